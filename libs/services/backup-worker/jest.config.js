module.exports = { ...require('../../../jest.preset.js'), displayName: 'service-backup-worker', rootDir: __dirname };
