import { spawn } from 'child_process';

/**
 * A baseline server (a plain script that prints "listening on <url>") in its own process, so it does
 * not share an event loop with the clients measuring it. Resolves with its URL, its pid (to read its
 * CPU time) and a stop function; `args` are passed to the script.
 */
export async function startBaselineProcess(script: string, args: string[] = []): Promise<{ url: string; pid: number; stop(): void }> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  return { url, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}
