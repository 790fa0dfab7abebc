/**
 * Issue 12, the Rails faults: a real Rails app (Debian's Rails, the gem from libs/ruby) against a
 * real Snorky node on a dedicated Redis. Each test fails on the old gem:
 * - a wrong API key: the saved write is answered 201 and the failure logged (was: 500 for a
 *   write that was saved, so clients retried and duplicated it);
 * - Snorky stopped (SIGSTOP): the write is answered at once and its delta arrives after (was: the
 *   request waited one timeout per row);
 * - Snorky answers 503 (cut off from Redis), then comes back: the delta is published, once (was:
 *   lost), and the view, whose Redis came back empty, is told it is stale;
 * - outbox delivery: writes made while Snorky's process is gone arrive once it is back.
 */
import { DeliveryFixture, startDeliveryFixture, timed } from './support/delivery-fixture';
import { assertRailsAvailable, RailsApp, startRailsApp } from './rails-app';
import { createInteropFixture, TaskJson } from './support/interop-fixture';

type Task = TaskJson<string | null>;

describe('Rails connector: nothing committed is lost (interop)', () => {
  let snorky: DeliveryFixture;
  let rails: RailsApp;
  const fixture = (app: () => RailsApp) =>
    createInteropFixture<Task>({
      apiBase: () => app().url,
      frontendUrl: () => snorky.server.frontendUrl,
      diagnostics: () => app().log().slice(-4000),
      taskBody: (task) => ({ task }),
    });
  const { createTask, closeSockets } = fixture(() => rails);

  beforeAll(async () => {
    assertRailsAvailable();
    snorky = await startDeliveryFixture();
    rails = await startRailsApp(snorky.server, { RAILS_SNORKY_TIMEOUT: '3' });
  }, 90_000);

  afterEach(() => {
    closeSockets();
    snorky.closeWatchers();
  });

  afterAll(async () => {
    await rails?.stop();
    await snorky?.close();
  });

  it('answers a saved write 201 with a wrong API key, logging the refusal (never a 500)', async () => {
    const wrong = await startRailsApp({ backendUrl: snorky.server.backendUrl, apiKey: 'not-the-key' });
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
    const socket = await snorky.watchAll();
    snorky.server.process.kill('SIGSTOP');
    let elapsed: number;
    let task: Task;
    try {
      [task, elapsed] = await timed(() => createTask({ title: 'during the stall', owner: 'bob' }));
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      snorky.server.process.kill('SIGCONT');
    }
    expect((await socket.waitForDeltas(1, 15_000)).map((d) => d.data)).toEqual([task]);
    expect(elapsed).toBeLessThan(1000);
    console.info(`rails stall test: POST answered in ${elapsed} ms while Snorky was stopped`);
  }, 40_000);

  it('delivers a write refused with 503 (Snorky cut off from Redis) once Snorky is back, once; the view is told it is stale', async () => {
    const socket = await snorky.watchAll();
    const { task, journaled } = await snorky.cutOffFromRedis(socket, 1000, () => createTask({ title: 'while Redis is down', owner: 'carol' }), 20_000);
    expect(journaled.filter((id) => id === task.id)).toEqual([task.id]);
    expect(rails.log()).toMatch(/Snorky: batch \w+ failed, retrying in [\d.]+ s: .*HTTP 503/);
  }, 40_000);

  it('outbox: writes made while Snorky is gone arrive once it is back, each once', async () => {
    const app = await startRailsApp(snorky.server, { RAILS_SNORKY_DELIVERY: 'outbox', RAILS_SNORKY_TIMEOUT: '3' });
    try {
      const { createTask: create } = fixture(() => app);
      await snorky.stopServer();
      const saved = [await create({ title: 'outbox 1', owner: 'dan' }), await create({ title: 'outbox 2', owner: 'dan' })];
      await snorky.startAgainOnSamePorts();
      const socket = await snorky.watchAll();
      const deltas = await socket.waitForDeltas(2, 30_000);
      expect(deltas.map((d) => d.data)).toEqual(saved);
      await new Promise((r) => setTimeout(r, 500));
      expect(socket.deltas).toHaveLength(2);
    } finally {
      await app.stop();
    }
  }, 90_000);
});
