/**
 * Node's ESM loader (and TypeScript under `module: nodenext`) wants relative imports spelled out:
 * './broker/broker' must be './broker/broker.js', './protocol' './protocol/index.js'. Our sources
 * import without extensions (they also compile to CommonJS), so the ESM outputs are rewritten here,
 * resolving each specifier against the TypeScript sources it came from.
 */
const fs = require('fs');
const path = require('path');

// from '…' / import '…' / import('…') / export … from '…' with a relative specifier.
const RELATIVE_SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}(?:\/[^'"]*)?)\2/g;

/** Rewrites the relative specifiers of `code`, whose sources live in `sourceDir`. */
function addJsExtensions(code, sourceDir) {
  return code.replace(RELATIVE_SPECIFIER, (match, keyword, quote, specifier) => {
    if (/\.(c|m)?js$/.test(specifier) || specifier.endsWith('.json')) return match;
    const base = path.resolve(sourceDir, specifier);
    let resolved;
    if (fs.existsSync(`${base}.ts`)) resolved = `${specifier}.js`;
    else if (fs.existsSync(path.join(base, 'index.ts'))) resolved = `${specifier.replace(/\/$/, '')}/index.js`;
    else throw new Error(`cannot resolve '${specifier}' from ${sourceDir} (no ${specifier}.ts or ${specifier}/index.ts)`);
    return `${keyword}${quote}${resolved}${quote}`;
  });
}

/** Copies the declarations tsc wrote for CommonJS (`from`) as ESM declarations (`to`), sources in `src`. */
function copyDeclarationsAsEsm(from, to, src) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const file = path.join(from, entry.name);
    if (entry.isDirectory()) copyDeclarationsAsEsm(file, path.join(to, entry.name), path.join(src, entry.name));
    else if (entry.name.endsWith('.d.ts')) {
      fs.mkdirSync(to, { recursive: true });
      fs.writeFileSync(path.join(to, entry.name), addJsExtensions(fs.readFileSync(file, 'utf8'), src));
    }
  }
}

module.exports = { addJsExtensions, copyDeclarationsAsEsm };
