#!/usr/bin/env node
/**
 * Builds the npm packages of the workspace into their own dist/ folders:
 *   dist/cjs/   CommonJS (+ .d.ts), for Nest 11 apps and `require`
 *   dist/esm/   ES modules (+ .d.ts), with the `.js` extensions Node's ESM loader needs (Nest 12 apps)
 * swc compiles (it keeps decorator metadata, which Nest DI needs; esbuild does not), tsc writes the
 * declarations. @snorky/client has its own build (esbuild + a browser bundle): it is run from here.
 *
 *   node scripts/build-packages.js [package names...] [--no-types] [--quiet]
 * Without names it builds every package; a package's in-repo dependencies are built first.
 * --no-types skips tsc (what `npm run server` and the test harness need: JavaScript only).
 */
const { transformFileSync } = require('@swc/core');
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { addJsExtensions, copyDeclarationsAsEsm } = require('./esm-specifiers');

const ROOT = path.join(__dirname, '..');

/** The workspace's npm packages, in build order. */
const PACKAGES = {
  '@snorky/nest': { dir: 'libs/snorky', formats: ['cjs', 'esm'], types: true },
  '@snorky/backend': { dir: 'libs/backend', formats: ['cjs', 'esm'], types: true },
  '@snorky/client': { dir: 'libs/client', script: 'libs/client/scripts/build.js' },
  // An app with a bin, not a library: CommonJS only, no declarations.
  '@snorky/server': { dir: 'apps/server', formats: ['cjs'], types: false, needs: ['@snorky/nest'] },
};

function* tsFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(file);
    else if (/\.ts$/.test(entry.name) && !/\.(spec|d)\.ts$/.test(entry.name)) yield file;
  }
}

function swcOptions(format, sourceFileName) {
  return {
    swcrc: false,
    sourceMaps: true,
    inlineSourcesContent: false,
    sourceFileName,
    module: { type: format === 'esm' ? 'es6' : 'commonjs' },
    jsc: {
      target: 'es2022',
      keepClassNames: true,
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
  };
}

/** Compiles src/ of `pkg` to dist/<format>/; returns the number of files. */
function compile(pkg, format) {
  const src = path.join(ROOT, pkg.dir, 'src');
  const out = path.join(ROOT, pkg.dir, 'dist', format);
  let count = 0;
  for (const file of tsFiles(src)) {
    const target = path.join(out, path.relative(src, file)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const { code, map } = transformFileSync(file, swcOptions(format, path.relative(path.dirname(target), file)));
    const js = format === 'esm' ? addJsExtensions(code, path.dirname(file)) : code;
    fs.writeFileSync(target, `${js}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
    fs.writeFileSync(`${target}.map`, map);
    count++;
  }
  // Each format says what it is, whatever the package's own "type".
  fs.writeFileSync(path.join(out, 'package.json'), `{ "type": "${format === 'esm' ? 'module' : 'commonjs'}" }\n`);
  return count;
}

/** tsc writes the declarations once into dist/cjs; the ESM copy gets `.js` extensions in its imports. */
function declarations(pkg) {
  const dir = path.join(ROOT, pkg.dir);
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (pkg.formats.includes('esm')) copyDeclarationsAsEsm(path.join(dir, 'dist', 'cjs'), path.join(dir, 'dist', 'esm'), path.join(dir, 'src'));
}

function build(name, options, done = new Set()) {
  if (done.has(name)) return;
  done.add(name);
  const pkg = PACKAGES[name];
  if (!pkg) throw new Error(`unknown package ${name} (known: ${Object.keys(PACKAGES).join(', ')})`);
  for (const dependency of pkg.needs ?? []) build(dependency, { ...options, types: false }, done);
  const started = Date.now();
  if (pkg.script) {
    execFileSync(process.execPath, [path.join(ROOT, pkg.script)], { stdio: options.quiet ? 'ignore' : 'inherit' });
    return;
  }
  // A full build starts clean; the quick one overwrites in place (a running server may be reading dist/).
  if (options.types) fs.rmSync(path.join(ROOT, pkg.dir, 'dist'), { recursive: true, force: true });
  const count = pkg.formats.map((format) => compile(pkg, format)).reduce((a, b) => a + b, 0);
  if (options.types && pkg.types) declarations(pkg);
  if (!options.quiet) console.log(`${name}: ${count} files (${pkg.formats.join(', ')}${options.types && pkg.types ? ', types' : ''}) in ${Date.now() - started} ms`);
}

module.exports = { PACKAGES, build };

if (require.main === module) {
  const args = process.argv.slice(2);
  const names = args.filter((arg) => !arg.startsWith('--'));
  const options = { types: !args.includes('--no-types'), quiet: args.includes('--quiet') };
  const done = new Set();
  for (const name of names.length ? names : Object.keys(PACKAGES)) build(name, options, done);
}
