module.exports = { ...require('../../../jest.preset.js'), displayName: 'service-retention', rootDir: __dirname };
