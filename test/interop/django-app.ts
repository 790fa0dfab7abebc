/**
 * Runs the real Django 3.2 + Django REST Framework app of
 * test/interop/django_app with Debian's python3 and the connector as a team installs it: the built
 * wheel, pip-installed into a venv (support/installed-connectors.ts), not libs/python on PYTHONPATH.
 * Prerequisites are probed first so a missing package fails the test with the Debian package's name
 * (never a skip).
 */
import { spawn, spawnSync } from 'child_process';
import { existsSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AppProcess, startAppProcess } from './support/app-process';
import { pythonModuleFile, pythonWithInstalledWheel } from './support/installed-connectors';

export const PYTHON = '/usr/bin/python3';
const APP_DIR = join(__dirname, 'django_app');

/** Each Python module the app needs and the Debian package that provides it. */
const PYTHON_REQUIREMENTS: Array<[module: string, pkg: string]> = [
  ['django', 'python3-django'],
  ['rest_framework', 'python3-djangorestframework'],
];

/** Throws an Error naming the Debian package when Python, Django or DRF is missing. */
export function assertDjangoAvailable(python = PYTHON, pythonArgs: string[] = []): string {
  if (!existsSync(python)) {
    throw new Error(
      `${python} not found: install the Debian packages python3, python3-django and python3-djangorestframework`,
    );
  }
  const probe = [
    'import importlib, sys',
    `for module, pkg in ${JSON.stringify(PYTHON_REQUIREMENTS)}:`,
    '    try: importlib.import_module(module)',
    '    except ImportError: print(pkg); sys.exit(3)',
    'import django; print(django.get_version())',
  ].join('\n');
  const result = spawnSync(python, [...pythonArgs, '-c', probe], { encoding: 'utf8', timeout: 30_000 });
  if (result.status === 3) {
    throw new Error(`a Python module of the Django app is missing: install the Debian package ${result.stdout.trim()}`);
  }
  if (result.status !== 0) {
    throw new Error(`probing Django with ${python} failed (status ${result.status}): ${result.stderr}`);
  }
  const version = result.stdout.trim();
  const [major, minor] = version.split('.').map(Number);
  if (major < 3 || (major === 3 && minor < 2)) {
    throw new Error(`Django ${version} found; the interop app needs Django >= 3.2 (Debian package python3-django)`);
  }
  return version;
}

/** log() holds the server's request lines and the snorky debug log. */
export interface DjangoApp extends AppProcess {
  /** Runs `manage.py <args>` with the app's environment; resolves with stdout, rejects on a non-zero exit. */
  manage(...args: string[]): Promise<string>;
}

export interface DjangoAppOptions {
  /** Extra environment (e.g. SNORKY_OUTBOX=1, read by the app's settings). */
  env?: NodeJS.ProcessEnv;
  /** Serve the database in this directory (kept on stop: a restarted app finds its data) instead of a fresh one. */
  dataDir?: string;
}

/** Migrates a fresh SQLite database (or the one in options.dataDir) and serves the app; resolves once it listens. */
export async function startDjangoApp(snorky: { backendUrl: string; apiKey: string }, options: DjangoAppOptions = {}): Promise<DjangoApp> {
  const dbDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'snorky-django-'));
  const { python, venv } = pythonWithInstalledWheel();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PYTHONPATH: [APP_DIR, process.env.PYTHONPATH].filter(Boolean).join(':'),
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    DJANGO_SETTINGS_MODULE: 'interop_site.settings',
    INTEROP_DB: join(dbDir, 'db.sqlite3'),
    SNORKY_BACKEND_URL: snorky.backendUrl,
    SNORKY_API_KEY: snorky.apiKey,
    ...options.env,
  };

  const manage = (...args: string[]) =>
    new Promise<string>((done, fail) => {
      const child = spawn(python, ['manage.py', ...args], { cwd: APP_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk) => (stdout += chunk));
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      child.once('error', fail);
      child.once('exit', (code) =>
        code === 0 ? done(stdout) : fail(new Error(`manage.py ${args.join(' ')} exited with ${code}:\n${stderr}`)),
      );
    });

  const connector = pythonModuleFile(python, env);
  if (!connector.startsWith(venv)) throw new Error(`the app would import snorky.backend from ${connector}, not from the installed wheel in ${venv}`);
  await manage('migrate', '--noinput');

  const server = await startAppProcess({
    name: 'Django app',
    command: python,
    args: ['serve.py'],
    cwd: APP_DIR,
    env,
    startTimeoutMs: 30_000,
    dataDir: options.dataDir ? undefined : dbDir,
  });
  return { ...server, manage };
}
