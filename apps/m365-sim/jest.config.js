module.exports = { ...require('../../jest.preset.js'), displayName: 'm365-sim', rootDir: __dirname, testTimeout: 60000 };
