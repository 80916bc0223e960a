/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // jose 6 and canonicalize are ESM-only; jest runs CommonJS without vm modules, so they are compiled like
  // our own sources.
  transform: { '^.+\\.ts$': ['@swc/jest'], '/node_modules/(jose|canonicalize)/.+\\.js$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!(jose|canonicalize)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/support/quiet-env.ts'],
  // A guard against a hung test, not a speed target (those are benchmarks, in bench/): a busy machine may
  // take several times as long as an idle one.
  testTimeout: 300_000,
};
