/**
 * A web app (Django or Rails) as the chaos test's writers and browsers see it: its REST routes,
 * and a writer that keeps changing its Task table through them, one request at a time (so the
 * order of commits is the order of requests).
 */
export interface Task {
  id: number;
  title: string;
  completed: boolean;
  owner: string | null;
}

export interface TaskApp {
  /** 'django' or 'rails'. */
  name: string;
  /** The DataSync service (frontend name) its deltas go to. */
  service: string;
  /** Base URL of the tasks routes (`${base}/tasks`). */
  base: string;
  /** How the app wants a task in a body (Rails: `{ task }`). */
  body(task: Partial<Task>): unknown;
  log(): string;
}

async function request(app: TaskApp, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.base}${path}`, {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
}

/** The table as the database holds it now (GET without X-Snorky), sorted by id. */
export async function readTable(app: TaskApp): Promise<Task[]> {
  const res = await request(app, 'GET', '/tasks');
  if (res.status !== 200) throw new Error(`${app.name}: GET /tasks -> ${res.status} ${(await res.text()).slice(0, 300)}`);
  return sortTasks(await res.json());
}

/** What a browser does on (re)load: the list and a subscription token (X-Snorky: Subscribe). */
export async function listAndSubscribe(app: TaskApp): Promise<{ tasks: Task[]; token: string }> {
  const res = await request(app, 'GET', '/tasks', undefined, { 'X-Snorky': 'Subscribe' });
  const text = await res.text();
  const token = res.headers.get('x-subscription-token');
  if (res.status !== 200 || !token) throw new Error(`${app.name}: subscribe -> ${res.status} ${text.slice(0, 200)}`);
  return { tasks: JSON.parse(text), token };
}

export function sortTasks(tasks: Task[]): Task[] {
  return tasks.map(({ id, title, completed, owner }) => ({ id, title, completed, owner })).sort((a, b) => a.id - b.id);
}

export interface WriterStats {
  creates: number;
  updates: number;
  deletes: number;
  /** Requests the app did not answer 2xx (a saved write must never be turned into an error). */
  errors: string[];
}

/**
 * Writes until stopped: creates (half), updates, deletes of its own rows, `pauseMs` apart.
 * Resolves with what it did once `stop()` was called and the request in flight finished.
 */
export function startWriter(app: TaskApp, pauseMs: number): { stats: WriterStats; stop(): Promise<WriterStats> } {
  const stats: WriterStats = { creates: 0, updates: 0, deletes: 0, errors: [] };
  const ids: number[] = [];
  let running = true;
  let n = 0;
  const one = async () => {
    const roll = Math.random();
    const path = ids.length === 0 || roll < 0.5 ? null : `/tasks/${ids[Math.floor(Math.random() * ids.length)]}`;
    n++;
    if (!path) {
      const res = await request(app, 'POST', '/tasks', app.body({ title: `${app.name} ${n}`, owner: n % 2 ? 'ann' : 'bob' }));
      if (res.status !== 201) throw new Error(`POST -> ${res.status} ${(await res.text()).slice(0, 200)}`);
      ids.push((await res.json()).id);
      stats.creates++;
    } else if (roll < 0.85) {
      const res = await request(app, 'PATCH', path, app.body({ title: `${app.name} ${n} (edited)`, completed: n % 3 === 0 }));
      if (res.status !== 200) throw new Error(`PATCH ${path} -> ${res.status} ${(await res.text()).slice(0, 200)}`);
      await res.text();
      stats.updates++;
    } else {
      const res = await request(app, 'DELETE', path);
      if (res.status !== 204) throw new Error(`DELETE ${path} -> ${res.status} ${(await res.text()).slice(0, 200)}`);
      ids.splice(ids.indexOf(Number(path.slice(7))), 1);
      stats.deletes++;
    }
  };
  const loop = (async () => {
    while (running) {
      try {
        await one();
      } catch (err) {
        // The app's own words on its first few failures (the log's tail at the time).
        const log = stats.errors.length < 3 ? `\n--- ${app.name} log tail ---\n${app.log().slice(-2500)}` : '';
        stats.errors.push(`${app.name}: ${(err as Error).message}${log}`);
      }
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    stats,
    async stop() {
      running = false;
      await loop;
      return stats;
    },
  };
}
