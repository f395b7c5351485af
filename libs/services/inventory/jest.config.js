module.exports = { ...require('../../../jest.preset.js'), displayName: 'service-inventory', rootDir: __dirname };
