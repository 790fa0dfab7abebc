/**
 * Runs the real Rails 6.1 app of test/interop/rails_app (Debian's gems, no
 * Bundler) for the interop test, and checks its prerequisites first so a
 * missing package fails with the Debian package's name instead of skipping.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { AppProcess, startAppProcess } from './support/app-process';
import { gemEnvWithInstalledGem, rubyGemDir } from './support/installed-connectors';

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

/** log() is the Rails log (the app writes it to stderr). */
export type RailsApp = AppProcess;

/** Boots the app against a Snorky backend (env: extra environment, e.g. RAILS_SNORKY_DELIVERY); resolves once it listens. */
export async function startRailsApp(snorky: { backendUrl: string; apiKey: string }, extraEnv: NodeJS.ProcessEnv = {}): Promise<RailsApp> {
  const dbDir = mkdtempSync(join(tmpdir(), 'snorky-rails-'));
  // The gem as a team installs it (support/installed-connectors.ts), not libs/ruby/lib.
  const gems = gemEnvWithInstalledGem();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...gems,
    // A busy timeout, as every Rails app on SQLite sets in database.yml (Rails 6.1 sets none without
    // it: a write meeting a concurrent read fails at once with SQLite3::BusyException, a 500).
    DATABASE_URL: `sqlite3:${join(dbDir, 'test.sqlite3')}?timeout=5000`,
    // URL through config.snorky.backend_url, key through the env fallback.
    RAILS_SNORKY_BACKEND_URL: snorky.backendUrl,
    SNORKY_API_KEY: snorky.apiKey,
    PORT: '0',
    ...extraEnv,
  };
  delete env.SNORKY_BACKEND_URL;
  const gemDir = rubyGemDir(env);
  if (!gemDir.startsWith(gems.GEM_HOME)) throw new Error(`the app would load the snorky gem from "${gemDir}", not from ${gems.GEM_HOME}`);

  return startAppProcess({
    name: 'Rails app',
    command: 'ruby',
    args: ['bin/server'],
    cwd: APP_DIR,
    env,
    startTimeoutMs: 60_000,
    dataDir: dbDir,
  });
}
