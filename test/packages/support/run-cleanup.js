// Jest globalTeardown: removes the artifacts this run built (see artifacts.ts).
const fs = require('fs');
const { runArtifactsDir } = require('./run-dir');

module.exports = () => {
  if (process.env.SNORKY_TEST_RUN) fs.rmSync(runArtifactsDir(process.env.SNORKY_TEST_RUN), { recursive: true, force: true });
};
