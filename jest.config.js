/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // jose 6 and @middy 7 are ESM-only; jest runs CommonJS without vm modules, so they are compiled like our
  // own sources. @middy's package.json exports only an `import` condition, which jest's CommonJS resolver
  // does not match: its entry points are mapped to their files.
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    '/node_modules/jose/.+\\.js$': ['@swc/jest'],
    '/node_modules/@middy/.+\\.js$': ['@swc/jest'],
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|@middy)/)'],
  moduleNameMapper: { '^@middy/(core|util)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/support/quiet-env.ts'],
  testTimeout: 60000,
};
