/**
 * Runs the real Rails 6.1 app of test/interop/rails_app (Debian's gems, no
 * Bundler) for the interop test, and checks its prerequisites first so a
 * missing package fails with the Debian package's name instead of skipping.
 */
import { spawn, spawnSync, ChildProcess } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const APP_DIR = join(__dirname, 'rails_app');

/** Each Ruby library the app needs and the Debian package that provides it. */
const RUBY_REQUIREMENTS: Array<[feature: string, pkg: string]> = [
  ['rails', 'ruby-rails'],
  ['active_record/railtie', 'ruby-rails'],
  ['action_controller/railtie', 'ruby-rails'],
  ['sqlite3', 'ruby-sqlite3'],
  ['webrick', 'ruby-webrick'],
];

/** Throws an Error naming the Debian package when Ruby or a gem is missing. */
export function assertRailsAvailable(): void {
  const probe = RUBY_REQUIREMENTS.map(
    ([feature, pkg]) => `begin; require ${JSON.stringify(feature)}; rescue LoadError; puts ${JSON.stringify(pkg)}; exit 3; end`,
  ).join('\n') + '\nputs Rails.version';
  const result = spawnSync('ruby', ['-e', probe], { encoding: 'utf8', timeout: 30_000 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('ruby is not installed: install the Debian packages ruby, ruby-rails and ruby-sqlite3');
  }
  if (result.status === 3) {
    const pkg = result.stdout.trim();
    throw new Error(`a Ruby library for the Rails app is missing: install the Debian package ${pkg}`);
  }
  if (result.status !== 0) {
    throw new Error(`probing Ruby/Rails failed (status ${result.status}): ${result.stderr}`);
  }
  const version = result.stdout.trim();
  const [major, minor] = version.split('.').map(Number);
  if (major < 6 || (major === 6 && minor < 1)) {
    throw new Error(`Rails ${version} found; the interop app needs Rails >= 6.1 (Debian package ruby-rails)`);
  }
}

export interface RailsApp {
  url: string;
  /** Everything the app wrote to stderr (Rails log), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Boots the app against a Snorky backend; resolves once it listens. */
export async function startRailsApp(snorky: { backendUrl: string; apiKey: string }): Promise<RailsApp> {
  const dbDir = mkdtempSync(join(tmpdir(), 'snorky-rails-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: `sqlite3:${join(dbDir, 'test.sqlite3')}`,
    // URL through config.snorky.backend_url, key through the env fallback.
    RAILS_SNORKY_BACKEND_URL: snorky.backendUrl,
    SNORKY_API_KEY: snorky.apiKey,
    PORT: '0',
  };
  delete env.SNORKY_BACKEND_URL;

  const child: ChildProcess = spawn('ruby', ['bin/server'], { cwd: APP_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));

  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`Rails app did not start within 60 s:\n${stderr}`)), 60_000);
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /LISTENING (\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Rails app exited with ${code} before listening:\n${stderr}`));
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    log: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dbDir, { recursive: true, force: true });
    },
  };
}
