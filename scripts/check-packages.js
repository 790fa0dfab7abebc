#!/usr/bin/env node
/**
 * Checks built npm tarballs before anyone installs them:
 *   - what ships: LICENSE, README.md, dist/; no tests, spec files, fixtures or build caches;
 *   - publint (package.json fields against the packed files), warnings counted as errors;
 *   - @arethetypeswrong/cli (types resolve the same as the JavaScript under node10, node16 CJS/ESM
 *     and bundlers), for the packages that have an importable entry point.
 *   node scripts/check-packages.js dist/packages/*.tgz
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const MUST_SHIP = ['package/package.json', 'package/LICENSE', 'package/README.md', 'package/CHANGELOG.md'];
const MUST_NOT_SHIP = /(\.spec\.|\.e2e-spec\.|\/tests?\/|\/__tests__\/|\/fixtures?\/|\.tsbuildinfo$)/;

function tarballFiles(tarball) {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

function manifestOf(tarball) {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
}

function contentProblems(tarball) {
  const files = tarballFiles(tarball);
  const problems = MUST_SHIP.filter((file) => !files.includes(file)).map((file) => `missing ${file}`);
  problems.push(...files.filter((file) => MUST_NOT_SHIP.test(file)).map((file) => `ships ${file}`));
  if (!files.some((file) => file.startsWith('package/dist/'))) problems.push('no dist/ (was it built?)');
  return problems;
}

async function publintProblems(tarball) {
  const { publint } = await import('publint');
  const { formatMessage } = await import('publint/utils');
  const buffer = fs.readFileSync(tarball);
  const tarballBytes = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball: tarballBytes }, strict: true, level: 'warning' });
  return messages.map((message) => `publint ${message.type}: ${formatMessage(message, pkg) ?? message.code}`);
}

function attwProblems(tarball, manifest) {
  const attw = path.join(ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
  // A script-tag bundle (@snorky/client/snorky.min.js) sets a global: it is not a module to type.
  const scripts = Object.keys(manifest.exports ?? {}).filter((entry) => entry.endsWith('.min.js'));
  const exclude = scripts.length ? ['--exclude-entrypoints', ...scripts] : [];
  try {
    execFileSync(process.execPath, [attw, tarball, '--format', 'ascii', '--no-color', ...exclude], { encoding: 'utf8', stdio: 'pipe' });
    return [];
  } catch (err) {
    return [`attw:\n${err.stdout || err.message}`];
  }
}

/** Throws one error listing every problem of every tarball. */
async function checkTarballs(tarballs) {
  const report = [];
  for (const tarball of tarballs) {
    const manifest = manifestOf(tarball);
    const problems = [...contentProblems(tarball), ...(await publintProblems(tarball))];
    // A bin-only package (@snorky/server) has no types to check.
    if (manifest.types || manifest.exports?.['.']) problems.push(...attwProblems(tarball, manifest));
    if (problems.length) report.push(`${manifest.name} (${path.basename(tarball)}):\n  ${problems.join('\n  ')}`);
  }
  if (report.length) throw new Error(`package checks failed:\n${report.join('\n')}`);
}

module.exports = { checkTarballs, tarballFiles };

if (require.main === module) {
  checkTarballs(process.argv.slice(2)).then(
    () => console.log('package checks passed: contents, publint, attw'),
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
