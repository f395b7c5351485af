module.exports = { ...require('../../../jest.preset.js'), displayName: 'service-scheduler', rootDir: __dirname };
