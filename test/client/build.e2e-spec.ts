import { execFile, execFileSync } from 'child_process';
import { promisify } from 'util';
import * as fs from 'fs';
import * as path from 'path';
import { startClientTestServer, type ClientTestServer } from './support/client-server';

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'libs/client/dist');

/**
 * `npm run build:client` produces ESM, CJS, declarations and the browser
 * bundle; the Node outputs are loaded by a separate Node process (no Jest
 * transforms) and talk to the real server.
 */
describe('client build', () => {
  let server: ClientTestServer;
  let output: string;

  beforeAll(async () => {
    output = execFileSync(process.execPath, [path.join(ROOT, 'libs/client/scripts/build.js')], { cwd: ROOT, encoding: 'utf8' });
    server = await startClientTestServer();
  }, 60000);
  afterAll(() => server.close());

  it('prints the bundle size and writes every output', () => {
    expect(output).toMatch(/browser bundle .*snorky\.min\.js: [\d.]+ KiB minified, [\d.]+ KiB gzipped/);
    for (const file of ['esm/index.js', 'esm/rxjs.js', 'esm/angularjs.js', 'cjs/index.js', 'cjs/rxjs.js', 'cjs/angularjs.js', 'cjs/index.d.ts', 'cjs/rxjs.d.ts', 'esm/index.d.ts', 'esm/rxjs.d.ts', 'snorky.min.js']) {
      expect(fs.existsSync(path.join(DIST, file))).toBe(true);
    }
    expect(fs.readFileSync(path.join(DIST, 'cjs/index.d.ts'), 'utf8')).toContain('rpcConnector');
    // Node's ESM resolution (TypeScript's nodenext) needs the extensions spelled out.
    expect(fs.readFileSync(path.join(DIST, 'esm/index.d.ts'), 'utf8')).toMatch(/from ['"]\.\/[\w/-]+\.js['"]/);
  });

  it('keeps Node-only modules out of the library and the bundle', () => {
    const bundle = fs.readFileSync(path.join(DIST, 'snorky.min.js'), 'utf8');
    expect(bundle).not.toMatch(/require\(["'](ws|fs|net|http|events)["']\)/);
    expect(bundle).not.toMatch(/rxjs/);
    const esm = fs.readdirSync(path.join(DIST, 'esm')).filter((f) => f.endsWith('.js') && f !== 'rxjs.js');
    for (const file of esm) expect(fs.readFileSync(path.join(DIST, 'esm', file), 'utf8')).not.toMatch(/(import|export)\s[^;'"]*from\s*["'](ws|rxjs|fs|net)["']/);
  });

  it.each([
    ['CommonJS', `const { Snorky, RpcService } = require(${JSON.stringify(path.join(DIST, 'cjs/index.js'))});`],
    ['ESM', `const { Snorky, RpcService } = await import(${JSON.stringify(path.join(DIST, 'esm/index.js'))});`],
  ])('the %s build connects and calls in plain Node', async (_kind, load) => {
    const script = `(async () => {
      ${load}
      const WebSocket = require('ws');
      const snorky = new Snorky(process.argv[1], { calc: RpcService }, { socketClass: WebSocket });
      const sum = await snorky.services.calc.call('sum', { a: 20, b: 22 });
      snorky.disconnect();
      console.log('sum=' + sum);
    })().catch((e) => { console.error(e); process.exit(1); });`;
    // Asynchronous: the server runs in this very process and must keep serving.
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, server.wsUrl], { cwd: ROOT, encoding: 'utf8', timeout: 20000 });
    expect(stdout.trim()).toBe('sum=42');
  });
});
