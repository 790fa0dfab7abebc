#!/usr/bin/env node
/**
 * The npm packages' `prepack`: `npm pack` in a package folder builds what it packs (declarations
 * included) and ships the repository's LICENSE and CHANGELOG.md, copied in (git ignores the copies).
 */
const fs = require('fs');
const path = require('path');
const { build } = require('./build-packages');

const ROOT = path.join(__dirname, '..');
const SHARED_FILES = ['LICENSE', 'CHANGELOG.md'];

function prepack(dir = process.cwd()) {
  for (const file of SHARED_FILES) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  build(require(path.join(dir, 'package.json')).name, { types: true, quiet: true });
}

module.exports = { SHARED_FILES };

if (require.main === module) prepack();
