#!/usr/bin/env node
/**
 * One version for every package, set in the root package.json:
 *   node scripts/version.js          copies it into each package's manifest (npm, Python, Ruby)
 *   node scripts/version.js --check  fails, naming the files, when one differs (npm run pack runs it)
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const VERSION = require(path.join(ROOT, 'package.json')).version;
const NPM_PACKAGES = ['libs/snorky', 'libs/client', 'libs/backend', 'apps/server'];

/** Each place a version is written: the file and a pattern whose first group is the version. */
const PLACES = [
  ...NPM_PACKAGES.map((dir) => ({ file: `${dir}/package.json`, pattern: /^ {2}"version": "([^"]+)"/m })),
  // The server runs exactly the @snorky/nest of its own release.
  { file: 'apps/server/package.json', pattern: /"@snorky\/nest": "([^"]+)"/ },
  { file: 'libs/python/pyproject.toml', pattern: /^version = "([^"]+)"/m },
  { file: 'libs/python/snorky/__init__.py', pattern: /^__version__ = "([^"]+)"/m },
  { file: 'libs/ruby/lib/snorky/version.rb', pattern: /VERSION = "([^"]+)"/ },
];

function versionsOutOfStep() {
  return PLACES.flatMap(({ file, pattern }) => {
    const match = pattern.exec(fs.readFileSync(path.join(ROOT, file), 'utf8'));
    if (!match) throw new Error(`${file}: no version found (pattern ${pattern})`);
    return match[1] === VERSION ? [] : [`${file} has ${match[1]}`];
  });
}

function writeVersions() {
  for (const { file, pattern } of PLACES) {
    const full = path.join(ROOT, file);
    const text = fs.readFileSync(full, 'utf8');
    fs.writeFileSync(full, text.replace(pattern, (whole, old) => whole.replace(old, VERSION)));
  }
}

module.exports = { VERSION, versionsOutOfStep };

if (require.main === module) {
  if (process.argv.includes('--check')) {
    const wrong = versionsOutOfStep();
    if (wrong.length) {
      console.error(`versions differ from the root package.json (${VERSION}): ${wrong.join('; ')}\nrun: node scripts/version.js`);
      process.exit(1);
    }
  } else {
    writeVersions();
    console.log(`version ${VERSION} written to ${PLACES.length} places; run npm install to update package-lock.json`);
  }
}
