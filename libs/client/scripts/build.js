#!/usr/bin/env node
/**
 * Builds @snorky/client into libs/client/dist:
 *   esm/    ES modules (bundled per entry with shared chunks, so Node ESM can load them) + declarations
 *   cjs/    CommonJS, one file per source file + declarations (tsc -p libs/client/tsconfig.build.json)
 *   snorky.min.js  the browser bundle: an IIFE setting the global `Snorky`
 * Tests require() `buildBrowserBundle` to (re)build just the bundle.
 */
const path = require('path');
const fs = require('fs');
const zlib = require('zlib');
const { execFileSync } = require('child_process');
const esbuild = require('esbuild');
const { copyDeclarationsAsEsm } = require('../../../scripts/esm-specifiers');

const root = path.resolve(__dirname, '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const version = require(path.join(root, 'package.json')).version;
const BROWSER_BUNDLE = path.join(dist, 'snorky.min.js');
const ENTRIES = ['index', 'rxjs', 'angularjs'];

function sourceFiles(dir = src) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return file.endsWith('.ts') && !file.endsWith('.spec.ts') && !file.endsWith('.d.ts') ? [file] : [];
  });
}

/** Builds dist/snorky.min.js; returns its path and sizes in bytes. */
async function buildBrowserBundle({ outfile = BROWSER_BUNDLE, minify = true } = {}) {
  await esbuild.build({
    entryPoints: [path.join(src, 'browser.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2018'],
    minify,
    legalComments: 'none',
    define: { __SNORKY_VERSION__: JSON.stringify(version) },
    outfile,
    logLevel: 'silent',
  });
  const code = fs.readFileSync(outfile);
  return { outfile, bytes: code.length, gzipBytes: zlib.gzipSync(code, { level: 9 }).length };
}

async function buildModules() {
  const common = { platform: 'neutral', target: ['es2020'], logLevel: 'silent', sourcemap: true };
  await esbuild.build({
    ...common,
    entryPoints: ENTRIES.map((name) => path.join(src, `${name}.ts`)),
    bundle: true,
    splitting: true,
    format: 'esm',
    external: ['rxjs'],
    outdir: path.join(dist, 'esm'),
  });
  await esbuild.build({
    ...common,
    entryPoints: sourceFiles().filter((file) => !file.endsWith('browser.ts')),
    bundle: false,
    format: 'cjs',
    outbase: src,
    outdir: path.join(dist, 'cjs'),
  });
  fs.writeFileSync(path.join(dist, 'esm', 'package.json'), '{ "type": "module" }\n');
  fs.writeFileSync(path.join(dist, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
}

function buildTypes() {
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  copyDeclarationsAsEsm(path.join(dist, 'cjs'), path.join(dist, 'esm'), src);
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

async function main() {
  fs.rmSync(dist, { recursive: true, force: true });
  await buildModules();
  buildTypes();
  const bundle = await buildBrowserBundle();
  console.log(`@snorky/client ${version} built in ${path.relative(process.cwd(), dist)}/ (esm, cjs, declarations)`);
  console.log(`browser bundle ${path.relative(process.cwd(), bundle.outfile)}: ${kib(bundle.bytes)} minified, ${kib(bundle.gzipBytes)} gzipped (${bundle.bytes} / ${bundle.gzipBytes} bytes)`);
}

module.exports = { buildBrowserBundle, BROWSER_BUNDLE };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
