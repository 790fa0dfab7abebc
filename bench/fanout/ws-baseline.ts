import { spawn } from 'child_process';
import { join } from 'path';

/** The bare `ws` broadcast server (ws-broadcast-server.js) in its own process: its URL and a stop function. */
export async function startBaseline(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [join(__dirname, 'ws-broadcast-server.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}
