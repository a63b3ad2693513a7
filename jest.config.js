// Two projects: fast unit tests with no services, and integration tests that run against a real
// Temporal dev server and a real Postgres, both started once by test/global-setup.ts.
const transform = {
  '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      slowTestThreshold: 30,
    },
  ],
  // Integration files share one Temporal server and one Postgres; two cores run them one at a time.
  maxWorkers: 1,
  testTimeout: 120_000,
  // The Temporal SDK's native runtime (its Rust threads) keeps a test worker process alive after
  // every worker and connection is closed, so Jest would wait forever for it; the samples run
  // mocha with --exit for the same reason. Services are still stopped in globalTeardown.
  forceExit: true,
};
