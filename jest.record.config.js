// `npm run histories:record`: runs test/tools/record-histories.record.ts against the same services
// as the integration tests, writing workflows/histories/*.json.
const base = require('./jest.config.js');
const integration = base.projects.find((project) => project.displayName === 'integration');

/** @type {import('jest').Config} */
module.exports = {
  ...integration,
  displayName: 'record-histories',
  testMatch: ['<rootDir>/test/tools/*.record.ts'],
  testTimeout: 300_000,
};
