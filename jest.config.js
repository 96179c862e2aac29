// Tests are compiled by `tsc` with the rest of the project (npm test builds first),
// so jest runs plain ESM and needs no transform of its own.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test'],
  testMatch: ['**/*.test.js'],
  transform: {},
  testTimeout: 60_000,
  maxWorkers: 2,
};
