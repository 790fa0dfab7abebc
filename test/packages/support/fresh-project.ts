/**
 * A project folder outside the checkout, as a team would have, and the commands run in it.
 * npm uses the default shared cache (~/.npm) with --prefer-offline, so registry packages come from the
 * cache after the first run; our own packages are always the tarballs this run built.
 */
import { ChildProcess, execFile, spawn } from 'child_process';
import { cpSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { ROOT } from './artifacts';

export const INSTALL_TIMEOUT_MS = 4 * 60_000;

export interface FreshProject {
  dir: string;
  /** Runs a command in the project; resolves with stdout, rejects with its output and what to check. */
  run(command: string, args: string[], options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<string>;
  /** `npm install <args>` (registry packages from the shared cache when there). */
  npmInstall(...args: string[]): Promise<string>;
  remove(): void;
}

/**
 * The environment without what `npm test` put into it: a nested npm would read npm_config_* (the
 * repository's prefix, workspace flags) and install into the checkout instead of the project.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|INIT_CWD$|NODE_OPTIONS$)/i.test(key) && key.toLowerCase() !== 'npm_config_cache') continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

export function freshProject(prefix: string, fixture?: string): FreshProject {
  const dir = mkdtempSync(join(tmpdir(), `snorky-${prefix}-`));
  if (!relative(ROOT, dir).startsWith('..')) throw new Error(`${dir} is inside the checkout ${ROOT}`);
  if (fixture) cpSync(fixture, dir, { recursive: true });
  const run: FreshProject['run'] = (command, args, options = {}) =>
    new Promise((resolveRun, reject) => {
      execFile(
        command,
        args,
        { cwd: dir, env: cleanEnv(options.env), encoding: 'utf8', timeout: options.timeoutMs ?? INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (!err) return resolveRun(stdout);
          const hint = command === 'npm' ? ' (it needs the npm registry, or the packages in the npm cache ~/.npm)' : '';
          reject(new Error(`${command} ${args.join(' ')} failed in ${dir}${hint}: ${err.message}\n${stdout}\n${stderr}`.slice(0, 8000)));
        },
      );
    });
  return {
    dir,
    run,
    npmInstall: (...args) => run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...args]),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface StartedProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in the output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/** Starts a long-running process of the project (a server), collecting what it prints. */
export function startProcess(dir: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): StartedProcess {
  const child = spawn(command, args, { cwd: dir, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    listeners.forEach((listener) => listener());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  return {
    child,
    output: () => output,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolveWait, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            cleanup();
            resolveWait(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`${command} ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${command} ${args.join(' ')} did not print ${pattern} in ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', check);
        };
        listeners.add(check);
        child.on('exit', check);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid!, 'SIGTERM'); // the group: npx starts the server as a child of its own
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
