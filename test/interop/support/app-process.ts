/**
 * Runs an interop app (Django's serve.py, Rails' bin/server) as a child
 * process. The app binds a free loopback port itself and prints
 * "LISTENING <port>" on stdout once it accepts connections, so the test never
 * races for a port; its stderr is kept for failure messages and assertions.
 */
import { spawn } from 'child_process';
import { rmSync } from 'fs';

export interface AppProcessOptions {
  /** For error messages: "<name> did not start within …". */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  startTimeoutMs: number;
  /** A directory the app's data lives in (its SQLite database), removed once the app stopped. */
  dataDir?: string;
}

export interface AppProcess {
  url: string;
  /** Everything the app wrote to stderr so far. */
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process exited and its dataDir is gone. */
  stop(): Promise<void>;
}

const LISTENING = /LISTENING (\d+)/;
const KILL_AFTER_MS = 5_000;

/** Spawns the app; resolves once it printed its port, rejects when it exits or times out first. */
export async function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  const { name, startTimeoutMs } = options;
  const child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      await exited;
      clearTimeout(timer);
    }
    if (options.dataDir) rmSync(options.dataDir, { recursive: true, force: true });
  };

  const port = await new Promise<number>((ready, fail) => {
    let stdout = '';
    const timer = setTimeout(() => {
      fail(new Error(`${name} did not start within ${startTimeoutMs / 1000} s:\n${stderr}`));
      // A hung app must not outlive the test run.
      void stop();
    }, startTimeoutMs);
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = LISTENING.exec(stdout);
      if (match) {
        clearTimeout(timer);
        ready(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited with ${code} before listening:\n${stderr}`));
    });
  });

  return { url: `http://127.0.0.1:${port}`, log: () => stderr, stop };
}
