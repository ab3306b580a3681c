/**
 * `npm run test:bench`: only the bench smoke test (test/bench), run by CI as a step of its
 * own after `npm test`. It needs no test database: the benchmark creates its own.
 */
const base = require('./jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: base.testEnvironment,
  transform: base.transform,
  roots: ['<rootDir>/test/bench'],
  testMatch: ['**/*.test.ts'],
  testTimeout: base.testTimeout,
  maxWorkers: 1,
};
