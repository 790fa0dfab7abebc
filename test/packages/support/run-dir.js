const os = require('os');
const path = require('path');

/** Where one test run keeps the artifacts it built, outside the checkout. */
function runArtifactsDir(runId) {
  return path.join(os.tmpdir(), `snorky-artifacts-${runId}`);
}

module.exports = { runArtifactsDir };
