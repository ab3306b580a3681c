/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The bench smoke test loads the machine for minutes; it runs in a CI step of its own
  // (`npm run test:bench`, jest.bench.config.js) so fault tests with 50 ms deadlines never
  // share the CPU with it.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/bench/'],
  // Types are checked once by `npm run typecheck` (part of `npm test`); here files are
  // only transpiled, which keeps the suite fast.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: 2,
};
