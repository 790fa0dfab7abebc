import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { api, tempDir } from './support/todo-server';

const ROOT = path.resolve(__dirname, '..', '..');
const URL_LINE = /Snorky ToDo demo running at (http:\/\/localhost:(\d+)\/)/;

interface Started {
  child: ChildProcess;
  url: string;
  port: number;
  output: () => string;
}

/** Runs `npm start` in `cwd` and waits for the line with the URL. */
function npmStart(cwd: string, env: Record<string, string>, timeoutMs = 60000): Promise<Started> {
  // detached: its own process group, so the test can stop npm and the server it started (by that id).
  const child = spawn('npm', ['start', '--silent'], { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop(child);
      reject(new Error(`npm start printed no URL within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = URL_LINE.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], port: Number(match[2]), output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${out}`));
    });
  });
}

/** SIGTERM to the process group it leads (npm and the server); resolves when npm has exited. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    /* already gone */
  }
  return exited;
}

/** Whether anything accepts connections on the port. */
async function listening(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/api/todos`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * `npm start` on a fresh clone (HEAD, with this checkout's node_modules standing in for `npm ci`):
 * it builds the client bundle, creates data/todo.sqlite, serves the demo and prints the URL.
 */
describe('npm start on a fresh clone', () => {
  let tmp: ReturnType<typeof tempDir>;
  let clone: string;
  let running: Started | undefined;

  beforeAll(() => {
    tmp = tempDir('snorky-todo-clone-');
    clone = path.join(tmp.dir, 'repo');
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], { stdio: 'pipe' });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
  }, 60000);
  afterEach(async () => {
    if (running) await stop(running.child);
    running = undefined;
  });
  afterAll(() => tmp?.cleanup());

  it('builds what it needs, starts on PORT and prints the URL', async () => {
    const bundle = path.join(clone, 'libs', 'client', 'dist', 'snorky.min.js');
    expect(fs.existsSync(bundle)).toBe(false);
    expect(fs.existsSync(path.join(clone, 'data'))).toBe(false);

    running = await npmStart(clone, { PORT: '0' });
    expect(running.output()).toMatch(/building the client bundle/);
    expect(fs.existsSync(bundle)).toBe(true);
    expect(fs.existsSync(path.join(clone, 'data', 'todo.sqlite'))).toBe(true);

    const base = `http://127.0.0.1:${running.port}`;
    const page = await fetch(base + '/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<input class="new-todo"');
    const script = await fetch(base + '/snorky.min.js');
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(1000);
    const created = await api(base, 'POST', '/api/todos', { title: 'from a fresh clone' });
    expect(created.status).toBe(201);
    expect((await api(base, 'GET', '/api/todos')).body).toEqual([created.body]);

    // Ctrl-C / SIGTERM shuts it down: the port is free again.
    await stop(running.child);
    for (let i = 0; i < 50 && (await listening(running.port)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await listening(running.port)).toBe(false);
  }, 90000);

  it('starts again without rebuilding, keeping the data', async () => {
    running = await npmStart(clone, { PORT: '0' });
    expect(running.output()).not.toMatch(/building the client bundle/);
    const list = await api(`http://127.0.0.1:${running.port}`, 'GET', '/api/todos');
    expect(list.body.map((t: any) => t.title)).toEqual(['from a fresh clone']);
  }, 60000);

  it('refuses a PORT that is not a port number, saying so', async () => {
    await expect(npmStart(clone, { PORT: 'eighty' }, 30000)).rejects.toThrow(/PORT must be a port number, got "eighty"/);
  }, 40000);
});
