/**
 * @snorky/nest in the apps Nest's generator makes today: Nest 12 (ESM, nodenext, isolatedModules, Vitest)
 * and Nest 11 (CommonJS). In a folder outside the checkout: the generated app (fixtures/, unchanged) +
 * the README's calculator (test/core/examples) and SnorkyModule.forRoot(...) (fixtures/snorky-app), `npm install <the built
 * tarball>` and nothing else, `nest build` with the app's own settings, `node dist/main.js`, then a
 * WebSocket client. The dependency shape is checked on the installed tree: one copy of each Nest module,
 * at the app's major (npm adds missing peers at their newest version: a Nest-versioned peer would pull
 * Nest 12 into the Nest 11 app and fail the install).
 *
 * To keep CI fast the copy drops the generated devDependencies the test does not run (linters,
 * formatters, test runners, coverage); what builds and runs the app stays, and so do the compiler settings.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { SnorkySocket } from '../support/snorky-socket';
import { npmTarballs } from './support/artifacts';
import { FreshProject, freshProject, INSTALL_TIMEOUT_MS, StartedProcess, startProcess } from './support/fresh-project';

const FIXTURES = join(__dirname, 'fixtures');
/** The README's calculator (the seed guide's), as the core suites use it. */
const CALCULATOR = join(__dirname, '..', 'core', 'examples', 'calculator.service.ts');
/** The generated devDependencies `nest build` needs (vitest: the Nest 12 tsconfig lists its types). */
const BUILD_DEV_DEPENDENCIES = /^(@nestjs\/(cli|schematics|testing)|typescript|@types\/(node|express)|vitest)$/;

/** Keeps the devDependencies that build the app; returns the ones dropped. */
function dropUnusedDevDependencies(dir: string): string[] {
  const file = join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  const dropped = Object.keys(manifest.devDependencies).filter((name) => !BUILD_DEV_DEPENDENCIES.test(name));
  for (const name of dropped) delete manifest.devDependencies[name];
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  return dropped;
}

/** The generated main.ts listens on every interface; the test binds loopback and prints the URL. */
function listenOnLoopback(dir: string): void {
  const file = join(dir, 'src', 'main.ts');
  const generated = 'await app.listen(process.env.PORT ?? 3000);';
  const source = readFileSync(file, 'utf8');
  if (!source.includes(generated)) throw new Error(`the generated ${file} changed: no "${generated}"`);
  writeFileSync(file, source.replace(generated, `await app.listen(process.env.PORT ?? 3000, '127.0.0.1');\n  console.log(\`app listening on \${await app.getUrl()}\`);`));
}

/** Every installed copy of `name` in the project: `npm ls` paths and versions. */
async function installedCopies(project: FreshProject, name: string): Promise<string[]> {
  const tree = JSON.parse(await project.run('npm', ['ls', name, '--all', '--json', '--long']));
  const copies = new Set<string>();
  const walk = (deps: Record<string, any> | undefined) => {
    for (const [dep, info] of Object.entries(deps ?? {})) {
      if (dep === name && info.path) copies.add(`${info.version} ${info.path}`);
      walk(info.dependencies);
    }
  };
  walk(tree.dependencies);
  return [...copies];
}

interface PreparedApp {
  project: FreshProject;
  app: StartedProcess;
  wsUrl: string;
}

/** Copies the generated app, adds Snorky, installs the tarball, builds and starts it. */
async function prepareApp(fixture: string, nestTarball: string, projects: FreshProject[]): Promise<PreparedApp> {
  const project = freshProject(fixture, join(FIXTURES, fixture));
  projects.push(project);
  dropUnusedDevDependencies(project.dir);
  copyFileSync(join(FIXTURES, 'snorky-app', 'app.module.ts'), join(project.dir, 'src', 'app.module.ts'));
  copyFileSync(CALCULATOR, join(project.dir, 'src', 'calculator.service.ts'));
  listenOnLoopback(project.dir);
  await project.npmInstall(nestTarball);
  await project.run(join(project.dir, 'node_modules', '.bin', 'nest'), ['build']);
  const app = startProcess(project.dir, process.execPath, ['dist/main.js'], { PORT: '0', SNORKY_API_KEY: 'fresh-key' });
  started.push(app);
  const [, url] = await app.waitFor(/app listening on (http:\/\/\S+)/);
  return { project, app, wsUrl: `${url.replace(/^http/, 'ws')}/ws` };
}

const APPS = [
  { title: 'Nest 12 app (ESM, as @nestjs/cli 12 generates it)', fixture: 'nest12-app', major: '12', moduleType: 'module' },
  { title: 'Nest 11 app (CommonJS)', fixture: 'nest11-app', major: '11', moduleType: undefined },
];
const preparing = new Map<string, Promise<PreparedApp>>();
const projects: FreshProject[] = [];
const started: StartedProcess[] = [];

// Both apps install and build at once (npm waits mostly on the disk and the cache): a minute less of CI.
beforeAll(() => {
  const { nest } = npmTarballs();
  for (const { fixture } of APPS) {
    const prepared = prepareApp(fixture, nest, projects);
    prepared.catch(() => undefined); // reported by the describe that awaits it
    preparing.set(fixture, prepared);
  }
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await Promise.allSettled(preparing.values());
  await Promise.all(started.map((app) => app.stop()));
  for (const project of projects) project.remove();
});

describe.each(APPS)('@snorky/nest in a fresh $title', ({ fixture, major, moduleType }) => {
  let project: FreshProject;
  let wsUrl: string;

  beforeAll(async () => {
    ({ project, wsUrl } = await preparing.get(fixture)!);
  }, INSTALL_TIMEOUT_MS + 120_000);

  it('is the generated app: its module type and compiler settings are the generator\'s', () => {
    const manifest = JSON.parse(readFileSync(join(project.dir, 'package.json'), 'utf8'));
    expect(manifest.type).toBe(moduleType);
    const tsconfig = readFileSync(join(project.dir, 'tsconfig.json'), 'utf8');
    expect(tsconfig).toMatch(/"module": "nodenext"/);
    expect(tsconfig).toMatch(/"isolatedModules": true/);
    expect(manifest.dependencies['@snorky/nest']).toMatch(/snorky-nest-.*\.tgz$/);
  });

  it(`installs one copy of each Nest module, at Nest ${major}, and no other Nest package`, async () => {
    for (const name of ['@nestjs/common', '@nestjs/core']) {
      const copies = await installedCopies(project, name);
      expect(copies).toHaveLength(1);
      expect(copies[0]).toMatch(new RegExp(`^${major}\\.`));
    }
    const lock = JSON.parse(readFileSync(join(project.dir, 'package-lock.json'), 'utf8'));
    const nestPackages = Object.keys(lock.packages).filter((path) => /node_modules\/@nestjs\/[^/]+$/.test(path));
    // platform-ws / websockets would be Nest-versioned peers (see websocket.gateway.ts)
    expect(nestPackages.map((path) => path.replace(/.*node_modules\//, '')).sort()).toEqual(
      ['@nestjs/cli', '@nestjs/common', '@nestjs/core', '@nestjs/platform-express', '@nestjs/schematics', '@nestjs/testing'],
    );
    // the peer npm added by itself (params are bound without class-transformer: rpc/params-binder.ts)
    expect(lock.packages['node_modules/class-validator']).toBeDefined();
  });

  it('serves the calculator over WebSocket: sum, Unknown command, Invalid params', async () => {
    const socket = await SnorkySocket.open(wsUrl);
    try {
      await expect(socket.call('calculator', 'sum', { number1: 1, number2: 2 })).resolves.toBe(3);
      await expect(socket.call('calculator', 'log', { number: 8, base: 2 })).resolves.toBeCloseTo(3);
      await expect(socket.call('calculator', 'divide', { number1: 1 })).rejects.toThrow('Unknown command');
      await expect(socket.call('calculator', 'sum', { number1: 1, number2: 'two' })).rejects.toThrow('Invalid params');
    } finally {
      socket.close();
    }
  });

  it('guards the backend endpoint with the API key', async () => {
    const url = wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '/backend');
    const envelope = JSON.stringify({ service: 'nothing', message: { command: 'x', params: {} } });
    const refused = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: envelope });
    expect(refused.status).toBe(401);
  });
});
