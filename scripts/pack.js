#!/usr/bin/env node
/**
 * `npm run pack`: every artifact a team installs, in dist/packages/ (or --out DIR):
 *   the four npm tarballs (@snorky/nest, @snorky/server, @snorky/client, @snorky/backend; each built by
 *   its prepack script), the Python sdist and wheel (`snorky`), the Ruby gem (`snorky`).
 * Then checks the npm tarballs: publint, @arethetypeswrong/cli, and their file lists (scripts/check-packages.js).
 *
 *   node scripts/pack.js [--out DIR] [--only npm,python,ruby] [--no-check]
 * Needs Debian's python3-build and python3-setuptools (offline Python builds) and ruby (gem build).
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { VERSION, versionsOutOfStep } = require('./version');

const ROOT = path.join(__dirname, '..');
const NPM_WORKSPACES = ['libs/snorky', 'apps/server', 'libs/client', 'libs/backend'];
const PYTHON_DIR = 'libs/python';
// Debian's, as in the tests (a pyenv python3 earlier on PATH has no offline build tools).
const PYTHON = '/usr/bin/python3';
const RUBY_DIR = 'libs/ruby';
const { SHARED_FILES } = require('./prepack');

function run(command, args, options = {}) {
  return execFileSync(command, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

/** Shipped in every package, copied from the root (git ignores the copies). */
function copySharedFiles(dir) {
  for (const file of SHARED_FILES) fs.copyFileSync(path.join(ROOT, file), path.join(ROOT, dir, file));
}

/** npm pack of each workspace (its prepack builds it and copies LICENSE in); returns the tarball paths. */
function packNpm(out) {
  return NPM_WORKSPACES.map((dir) => {
    const [result] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', out], { cwd: path.join(ROOT, dir) }));
    return path.join(out, result.filename);
  });
}

/** sdist + wheel, offline: Debian's python3-build and python3-setuptools, no build isolation. */
function buildPython(out, { wheelOnly = false } = {}) {
  copySharedFiles(PYTHON_DIR);
  const dir = path.join(ROOT, PYTHON_DIR);
  try {
    run(PYTHON, ['-m', 'build', '--no-isolation', ...(wheelOnly ? ['--wheel'] : []), '--outdir', out, dir]);
  } finally {
    // setuptools leaves these beside the sources.
    for (const leftover of ['build', 'snorky.egg-info']) fs.rmSync(path.join(dir, leftover), { recursive: true, force: true });
  }
  return fs.readdirSync(out).filter((f) => /^snorky-.*\.(whl|tar\.gz)$/.test(f) && f.includes(VERSION)).map((f) => path.join(out, f));
}

function buildGem(out) {
  copySharedFiles(RUBY_DIR);
  const gem = path.join(out, `snorky-${VERSION}.gem`);
  // -C: gem build reads the files relative to the working directory.
  run('gem', ['build', '-C', path.join(ROOT, RUBY_DIR), 'snorky.gemspec', '--output', gem]);
  return [gem];
}

/** Fails with the Debian packages to install when a build tool is missing. */
function assertTools(kinds) {
  const missing = [];
  if (kinds.includes('python')) {
    try {
      run(PYTHON, ['-c', 'import build, setuptools, wheel']);
    } catch {
      missing.push('python3-build python3-setuptools python3-wheel (python3 -m build --no-isolation)');
    }
  }
  if (kinds.includes('ruby')) {
    try {
      run('gem', ['--version']);
    } catch {
      missing.push('ruby (gem build)');
    }
  }
  if (missing.length) throw new Error(`npm run pack needs the Debian packages: ${missing.join('; ')}`);
}

/** `wheelOnly`: the Python wheel without the sdist (what the interop tests install). */
async function pack({ out = path.join(ROOT, 'dist', 'packages'), only = ['npm', 'python', 'ruby'], check = true, quiet = false, wheelOnly = false } = {}) {
  const wrong = versionsOutOfStep();
  if (wrong.length) throw new Error(`versions differ from the root package.json (${VERSION}): ${wrong.join('; ')} (run node scripts/version.js)`);
  assertTools(only);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const artifacts = { npm: [], python: [], ruby: [] };
  if (only.includes('npm')) artifacts.npm = packNpm(out);
  if (only.includes('python')) artifacts.python = buildPython(out, { wheelOnly });
  if (only.includes('ruby')) artifacts.ruby = buildGem(out);
  if (check && artifacts.npm.length) await require('./check-packages').checkTarballs(artifacts.npm);
  if (!quiet) {
    if (check && artifacts.npm.length) console.log('npm tarballs checked: contents, publint, attw');
    for (const file of [...artifacts.npm, ...artifacts.python, ...artifacts.ruby]) {
      console.log(`${(fs.statSync(file).size / 1024).toFixed(1).padStart(7)} KiB  ${path.relative(process.cwd(), file)}`);
    }
  }
  return artifacts;
}

module.exports = { pack };

if (require.main === module) {
  const args = process.argv.slice(2);
  const value = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  pack({
    out: value('--out') ? path.resolve(value('--out')) : undefined,
    only: value('--only')?.split(','),
    check: !args.includes('--no-check'),
  }).catch((err) => {
    console.error(err.stderr ? `${err.message}\n${err.stderr}` : err.message);
    process.exit(1);
  });
}
