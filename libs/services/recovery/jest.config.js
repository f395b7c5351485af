module.exports = { ...require('../../../jest.preset.js'), displayName: 'service-recovery', rootDir: __dirname };
