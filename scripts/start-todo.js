#!/usr/bin/env node
/**
 * `npm start`: the ToDo demo on http://localhost:3000 (PORT overrides).
 * Builds what it needs first — the client SDK's browser bundle, when it is missing or older than
 * the SDK's sources — then runs apps/todo/src/main.ts through scripts/register.js (swc), in this
 * process, so Ctrl-C stops the server directly.
 *
 * Environment: PORT, HOST, DATABASE_URL (PostgreSQL instead of SQLite), DATA_DIR (SQLite folder,
 * default data/), SNORKY_CLIENT_BUNDLE (where the bundle is built and served from).
 */
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const clientDir = path.join(root, 'libs', 'client');
const bundle = process.env.SNORKY_CLIENT_BUNDLE
  ? path.resolve(process.env.SNORKY_CLIENT_BUNDLE)
  : path.join(clientDir, 'dist', 'snorky.min.js');

/** Newest modification time among the files that go into the bundle. */
function newestSourceTime(dir = path.join(clientDir, 'src')) {
  let newest = fs.statSync(path.join(clientDir, 'package.json')).mtimeMs;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    const time = entry.isDirectory() ? newestSourceTime(file) : fs.statSync(file).mtimeMs;
    if (time > newest) newest = time;
  }
  return newest;
}

function bundleIsCurrent() {
  return fs.existsSync(bundle) && fs.statSync(bundle).mtimeMs >= newestSourceTime();
}

async function main() {
  if (!bundleIsCurrent()) {
    process.stdout.write(`building the client bundle (${path.relative(root, bundle)})... `);
    // The same esbuild step as `npm run build:client`, without the ESM/CJS/types outputs the demo does not use.
    const { buildBrowserBundle } = require(path.join(clientDir, 'scripts', 'build.js'));
    const built = await buildBrowserBundle({ outfile: bundle });
    process.stdout.write(`${(built.bytes / 1024).toFixed(1)} KiB\n`);
  }
  process.env.SNORKY_CLIENT_BUNDLE = bundle;
  require('./register.js');
  require(path.join(root, 'apps', 'todo', 'src', 'main.ts'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
