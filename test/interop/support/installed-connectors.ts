/**
 * The Python and Ruby connectors as a team installs them, for the interop scenarios: the wheel and the
 * gem that `npm run pack` builds (built once per test run, test/packages/support/artifacts.ts),
 * installed outside the checkout, so the apps import what ships, not the repository's sources.
 *   - the wheel: `pip install` into a `python3 -m venv --system-site-packages` venv (Django and DRF come
 *     from Debian's packages through the system site; Debian's pip refuses installs outside a venv);
 *   - the gem: `gem install --local` into a private GEM_HOME (Rails from Debian's gems stays on GEM_PATH).
 */
import { execFileSync } from 'child_process';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { pythonWheel, rubyGem } from '../../packages/support/artifacts';

export const SYSTEM_PYTHON = '/usr/bin/python3';

function run(command: string, args: string[], what: string, env?: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: 'pipe', timeout: 120_000, env: env ?? process.env });
  } catch (err: any) {
    throw new Error(`${what} failed (${command} ${args.join(' ')}): ${err.stderr || err.message}`);
  }
}

let installedWheel: { python: string; venv: string } | undefined;

/** A venv with the built wheel installed (one per test file: an app restarted in a test reuses it). */
export function pythonWithInstalledWheel(): { python: string; venv: string } {
  if (installedWheel) return installedWheel;
  const wheel = pythonWheel();
  const venv = mkdtempSync(join(tmpdir(), 'snorky-venv-'));
  run(SYSTEM_PYTHON, ['-m', 'venv', '--system-site-packages', venv], 'creating a venv (Debian package python3-venv)');
  const python = join(venv, 'bin', 'python');
  run(python, ['-m', 'pip', 'install', '--no-index', '--no-deps', '--disable-pip-version-check', '--quiet', wheel], `pip install ${wheel}`);
  installedWheel = { python, venv };
  return installedWheel;
}

let installedGem: { GEM_HOME: string; GEM_PATH: string } | undefined;

/** GEM_HOME / GEM_PATH with the built gem installed into a private folder, before Debian's gems. */
export function gemEnvWithInstalledGem(): { GEM_HOME: string; GEM_PATH: string } {
  if (installedGem) return installedGem;
  const gem = rubyGem();
  const home = mkdtempSync(join(tmpdir(), 'snorky-gems-'));
  const systemPath = run('ruby', ['-e', 'puts Gem.path.join(":")'], 'reading the gem path (Debian package ruby)').trim();
  const env = { ...process.env, GEM_HOME: home, GEM_PATH: `${home}:${systemPath}` };
  run('gem', ['install', '--local', '--no-document', '--install-dir', home, gem], `gem install --local ${gem}`, env);
  installedGem = { GEM_HOME: home, GEM_PATH: `${home}:${systemPath}` };
  return installedGem;
}

/** Where `require`/`import` finds the connector with this environment: must be the installed copy. */
export function pythonModuleFile(python: string, env: NodeJS.ProcessEnv): string {
  return run(python, ['-c', 'import snorky.backend, sys; sys.stdout.write(snorky.backend.__file__)'], 'importing snorky.backend', env);
}

export function rubyGemDir(env: NodeJS.ProcessEnv): string {
  return run('ruby', ['-e', 'require "snorky"; print Gem.loaded_specs["snorky"]&.full_gem_path.to_s'], 'requiring snorky', env);
}
