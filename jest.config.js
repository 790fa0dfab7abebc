/** One Jest config for the monorepo: unit tests beside the libs, cross-package suites under test/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: {
    '^@snorky/nest$': '<rootDir>/libs/snorky/src',
    '^@snorky/nest/(.*)$': '<rootDir>/libs/snorky/src/$1',
    '^@snorky/client$': '<rootDir>/libs/client/src',
    '^@snorky/client/(.*)$': '<rootDir>/libs/client/src/$1',
    '^@snorky/backend$': '<rootDir>/libs/backend/src',
    '^@snorky/backend/(.*)$': '<rootDir>/libs/backend/src/$1',
  },
  testTimeout: 30000,
};
