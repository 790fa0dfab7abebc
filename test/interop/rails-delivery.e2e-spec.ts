/**
 * Issue 12, the Rails faults: a real Rails app (Debian's Rails, the gem from libs/ruby) against a
 * real Snorky node on a dedicated Redis. Each test fails on the old gem:
 * - a wrong API key: the saved write is answered 201 and the failure logged (was: 500 for a
 *   write that was saved, so clients retried and duplicated it);
 * - Snorky stopped (SIGSTOP): the write is answered at once and its delta arrives after (was: the
 *   request waited one timeout per row);
 * - Snorky answers 503 (cut off from Redis), then comes back: the delta arrives (was: lost);
 * - outbox delivery: writes made while Snorky's process is gone arrive once it is back.
 */
import { RedisProcess } from '../cluster/support/redis-process';
import { postBackend } from '../support/snorky-app';
import { SnorkySocket } from '../support/snorky-socket';
import { startStandaloneServer, StandaloneServer } from '../support/standalone-server';
import { assertRailsAvailable, RailsApp, startRailsApp } from './rails-app';
import { createInteropFixture, TASKS_DATASYNC_SERVICE, TaskJson } from './support/interop-fixture';

type Task = TaskJson<string | null>;

const portOf = (url: string) => Number(new URL(url).port);

describe('Rails connector: nothing committed is lost (interop)', () => {
  let redis: RedisProcess;
  let server: StandaloneServer;
  let rails: RailsApp;
  const sockets: SnorkySocket[] = [];
  const fixture = (app: () => RailsApp) =>
    createInteropFixture<Task>({
      apiBase: () => app().url,
      frontendUrl: () => server.frontendUrl,
      diagnostics: () => app().log().slice(-4000),
      taskBody: (task) => ({ task }),
    });
  const { createTask, closeSockets } = fixture(() => rails);
  /** A subscription to every task, authorized on Snorky directly (no request to the app). */
  const watchAll = async () => {
    const reply = await postBackend(server.backendUrl, { service: 'datasync_backend', message: { command: 'authorizeSubscription', params: { items: [{ dealer: 'AllTasks', query: null }] } } }, server.apiKey);
    const socket = await SnorkySocket.open(server.frontendUrl);
    sockets.push(socket);
    await expect(socket.acquire(reply.body.message.data)).resolves.toBeNull();
    return socket;
  };
  const startServer = (ports: { frontend?: number; backend?: number } = {}) =>
    startStandaloneServer({
      cluster: { redis: redis.url },
      frontend: { port: ports.frontend ?? 0 },
      backend: { port: ports.backend ?? 0 },
      services: [TASKS_DATASYNC_SERVICE],
    });
  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const started = Date.now();
    const result = await work();
    return [result, Date.now() - started];
  };

  beforeAll(async () => {
    assertRailsAvailable();
    redis = await RedisProcess.start();
    server = await startServer();
    rails = await startRailsApp({ backendUrl: server.backendUrl, apiKey: server.apiKey }, { RAILS_SNORKY_TIMEOUT: '3' });
  }, 90_000);

  afterEach(() => {
    closeSockets();
    sockets.splice(0).forEach((s) => s.close());
  });

  afterAll(async () => {
    await rails?.stop();
    await server?.stop();
    await redis?.stop();
  });

  it('answers a saved write 201 with a wrong API key, logging the refusal (never a 500)', async () => {
    const wrong = await startRailsApp({ backendUrl: server.backendUrl, apiKey: 'not-the-key' });
    try {
      const { api } = fixture(() => wrong);
      const created = await api('POST', '/tasks', { task: { title: 'saved anyway', owner: 'ann' } });
      expect(created.response.status).toBe(201);
      expect((await api('GET', '/tasks')).json.map((t: Task) => t.title)).toEqual(['saved anyway']);
      const deadline = Date.now() + 10_000;
      while (!/refused, not retried/.test(wrong.log()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(wrong.log()).toMatch(/Snorky: batch \h*\w+ of 1 deltas refused, not retried: .*HTTP 401/);
    } finally {
      await wrong.stop();
    }
  }, 90_000);

  it('answers at once while Snorky is stopped, and delivers the delta after', async () => {
    const socket = await watchAll();
    server.process.kill('SIGSTOP');
    let elapsed: number;
    let task: Task;
    try {
      [task, elapsed] = await timed(() => createTask({ title: 'during the stall', owner: 'bob' }));
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      server.process.kill('SIGCONT');
    }
    expect((await socket.waitForDeltas(1, 15_000)).map((d) => d.data)).toEqual([task]);
    expect(elapsed).toBeLessThan(1000);
    console.info(`rails stall test: POST answered in ${elapsed} ms while Snorky was stopped`);
  }, 40_000);

  it('delivers a write refused with 503 (Snorky cut off from Redis) once Snorky is back', async () => {
    const socket = await watchAll();
    await redis.stop();
    const task = await createTask({ title: 'while Redis is down', owner: 'carol' });
    await new Promise((r) => setTimeout(r, 1000));
    await redis.restart();
    expect((await socket.waitForDeltas(1, 20_000)).map((d) => d.data)).toEqual([task]);
    expect(rails.log()).toMatch(/Snorky: batch \w+ failed, retrying in [\d.]+ s: .*HTTP 503/);
  }, 40_000);

  it('outbox: writes made while Snorky is gone arrive once it is back, each once', async () => {
    const app = await startRailsApp({ backendUrl: server.backendUrl, apiKey: server.apiKey }, { RAILS_SNORKY_DELIVERY: 'outbox', RAILS_SNORKY_TIMEOUT: '3' });
    try {
      const { createTask: create } = fixture(() => app);
      const ports = { frontend: portOf(server.frontendUrl), backend: portOf(server.backendUrl) };
      await server.stop();
      const saved = [await create({ title: 'outbox 1', owner: 'dan' }), await create({ title: 'outbox 2', owner: 'dan' })];
      server = await startServer(ports);
      const socket = await watchAll();
      const deltas = await socket.waitForDeltas(2, 30_000);
      expect(deltas.map((d) => d.data)).toEqual(saved);
      await new Promise((r) => setTimeout(r, 500));
      expect(socket.deltas).toHaveLength(2);
    } finally {
      await app.stop();
    }
  }, 90_000);
});
