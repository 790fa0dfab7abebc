// Jest globalSetup: names this run, so the suites that need the built artifacts build them once per run
// (test/packages/support/artifacts.ts) — workers inherit the environment.
module.exports = () => {
  process.env.SNORKY_TEST_RUN ??= `${process.pid}-${Date.now()}`;
};
