/**
 * What `npm run pack` makes (scripts/pack.js, run once per test run by support/artifacts.ts): every
 * artifact at the one version, LICENSE in each, no tests or fixtures shipped, and the npm tarballs clean
 * under publint and @arethetypeswrong/cli (scripts/check-packages.js, the same check `npm run pack` runs).
 */
import { execFile, execFileSync } from 'child_process';
import { basename, join } from 'path';
import { promisify } from 'util';
import { artifacts, npmTarballs, pythonWheel, rubyGem } from './support/artifacts';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { tarballFiles } = require('../../scripts/check-packages');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VERSION } = require('../../scripts/version');

/** scripts/check-packages.js in its own process (publint is ESM-only: Jest's CommonJS cannot load it). */
async function checkTarballs(tarballs: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'scripts', 'check-packages.js'), ...tarballs], { encoding: 'utf8' });
    return stdout;
  } catch (err: any) {
    throw new Error(err.stderr || err.message);
  }
}

describe('npm run pack artifacts', () => {
  it('the four npm tarballs, the Python sdist and wheel, the gem: one version, named as installed', () => {
    const names = [...artifacts('npm'), ...artifacts('python'), ...artifacts('ruby')].map((file) => basename(file)).sort();
    expect(names).toEqual(
      [
        `snorky-${VERSION}-py3-none-any.whl`,
        `snorky-${VERSION}.gem`,
        `snorky-${VERSION}.tar.gz`,
        `snorky-backend-${VERSION}.tgz`,
        `snorky-client-${VERSION}.tgz`,
        `snorky-nest-${VERSION}.tgz`,
        `snorky-server-${VERSION}.tgz`,
      ].sort(),
    );
  });

  it('the npm tarballs pass the file-list check, publint and attw', async () => {
    const { nest, server, client, backend } = npmTarballs();
    await expect(checkTarballs([nest, server, client, backend])).resolves.toMatch(/package checks passed: contents, publint, attw/);
  }, 120_000);

  it('@snorky/nest ships ESM and CommonJS builds with declarations, and its sources without specs', () => {
    const files = tarballFiles(npmTarballs().nest);
    for (const file of ['dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'src/index.ts', 'LICENSE']) {
      expect(files).toContain(`package/${file}`);
    }
    expect(files.filter((file: string) => file.includes('.spec.'))).toEqual([]);
  });

  it('the check fails on a tarball that ships a test', async () => {
    const { nest } = npmTarballs();
    const broken = `${nest.replace(/\.tgz$/, '')}-with-spec.tgz`;
    const dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
    execFileSync('tar', ['-xzf', nest, '-C', dir]);
    execFileSync('cp', [`${dir}/package/dist/cjs/index.js`, `${dir}/package/dist/cjs/index.spec.js`]);
    execFileSync('tar', ['-czf', broken, '-C', dir, 'package']);
    execFileSync('rm', ['-rf', dir]);
    await expect(checkTarballs([broken])).rejects.toThrow(/ships package\/dist\/cjs\/index\.spec\.js/);
  }, 60_000);

  it('the wheel and the sdist carry the `snorky` package and the LICENSE', () => {
    const wheel = execFileSync('/usr/bin/python3', ['-m', 'zipfile', '-l', pythonWheel()], { encoding: 'utf8' });
    expect(wheel).toMatch(/snorky\/backend\/django\/rest_framework\.py/);
    expect(wheel).toMatch(new RegExp(`snorky-${VERSION.replace(/\./g, '\\.')}\\.dist-info/LICENSE`));
    expect(wheel).not.toMatch(/tests\//);
    const sdist = artifacts('python').find((file) => file.endsWith('.tar.gz'))!;
    const listing = execFileSync('tar', ['-tzf', sdist], { encoding: 'utf8' });
    expect(listing).toContain(`snorky-${VERSION}/LICENSE`);
    expect(listing).not.toMatch(/\/tests\//);
  });

  it('the gem carries lib/ and the LICENSE', () => {
    const metadata = execFileSync('sh', ['-c', `tar -xOf '${rubyGem()}' metadata.gz | gunzip`], { encoding: 'utf8' });
    expect(metadata).toMatch(/- LICENSE\n/);
    expect(metadata).toMatch(/- lib\/snorky\/railtie\.rb\n/);
    expect(metadata).toMatch(new RegExp(`version: ${VERSION.replace(/\./g, '\\.')}\\n`));
  });
});
