// Workspace-wide checks (layer rules); run by the root jest config.
module.exports = { ...require('../jest.preset.js'), displayName: 'workspace-checks', rootDir: __dirname, testMatch: ['<rootDir>/checks/**/*.spec.ts'] };
