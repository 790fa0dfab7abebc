/** One Jest config for the monorepo: unit tests beside the libs, cross-package suites under test/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  // Generated apps' own tests (test/packages copies them into fresh projects; they are not ours).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/packages/fixtures/'],
  // One id per run: the built artifacts (npm run pack) are shared by every suite of the run.
  globalSetup: '<rootDir>/test/packages/support/run-id.js',
  globalTeardown: '<rootDir>/test/packages/support/run-cleanup.js',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  // @snorky/* resolve through the workspace links to their TypeScript sources (the "@snorky/source"
  // export condition), so the suites need no build; the fresh-project tests under test/packages use dist/.
  testEnvironmentOptions: { customExportConditions: ['@snorky/source', 'node', 'node-addons'] },
  testTimeout: 30000,
};
