module.exports = { ...require('../../../jest.preset.js'), displayName: 'service-catalog', rootDir: __dirname };
