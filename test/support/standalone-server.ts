import { ChildProcess, execFileSync, spawn } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

export const ROOT = join(__dirname, '..', '..');

let built = false;

/** The standalone server as users run it (`npm run server`): compiled to dist/, no transpiler hook. */
function serverCommand(configFile: string): string[] {
  if (!built) {
    execFileSync(process.execPath, ['scripts/build-packages.js', '@snorky/server', '--no-types', '--quiet'], { cwd: ROOT, stdio: 'inherit' });
    built = true;
  }
  return ['--enable-source-maps', 'apps/server/dist/cjs/main.js', '--config', configFile];
}

export interface StandaloneServer {
  frontendUrl: string;
  backendUrl: string;
  apiKey: string;
  process: ChildProcess;
  /** Everything the server printed so far (stdout + stderr). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Spawns the real standalone server (apps/server) with `config` written to a temp file.
 * Ports default to 0 (free ports); the URLs come from the server's own "listening" log lines.
 */
export async function startStandaloneServer(config: any, env: NodeJS.ProcessEnv = {}, timeoutMs = 20000): Promise<StandaloneServer> {
  const full = {
    ...config,
    frontend: { host: '127.0.0.1', port: 0, ...config.frontend },
    backend: { host: '127.0.0.1', port: 0, apiKey: 'test-key', ...config.backend },
  };
  const dir = mkdtempSync(join(tmpdir(), 'snorky-server-'));
  const file = join(dir, 'snorky.json');
  writeFileSync(file, JSON.stringify(full, null, 2));
  const child = spawn(process.execPath, serverCommand(file), {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const urls = await new Promise<{ frontendUrl: string; backendUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`standalone server did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const frontend = /frontend listening on (ws:\/\/[^\s"]+)/.exec(output);
      const backend = /backend listening on (http:\/\/[^\s"]+)/.exec(output);
      if (frontend && backend) {
        clearTimeout(timer);
        resolve({ frontendUrl: frontend[1], backendUrl: backend[1] });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`standalone server exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    ...urls,
    apiKey: env.SNORKY_API_KEY ?? full.backend.apiKey ?? full.backend.apiKeys?.[0],
    process: child,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/** Runs the server with a config that must be refused; resolves with its exit code and output. */
export async function runStandaloneServerExpectingFailure(configText: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'snorky-server-'));
  const file = join(dir, 'snorky.json');
  writeFileSync(file, configText);
  const child = spawn(process.execPath, serverCommand(file), {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', SNORKY_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}
