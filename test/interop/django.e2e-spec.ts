/**
 * Django interop: a real Django 3.2 + DRF app (SQLite, the connector from
 * libs/python, Debian's /usr/bin/python3) against the real standalone server.
 * ORM changes (through the REST API and a management command) must reach a
 * WebSocket subscriber as DataSync deltas, only once committed; the
 * X-Snorky: Subscribe handshake must not lose changes made between the list
 * query and acquireSubscription; RPC errors keep the protocol's texts.
 */
import { startStandaloneServer, StandaloneServer } from '../support/standalone-server';
import { assertDjangoAvailable, DjangoApp, startDjangoApp } from './django-app';
import { createInteropFixture, interopServerConfig, TaskJson } from './support/interop-fixture';

/** The Django model's owner is a non-null CharField ("" by default). */
type Task = TaskJson<string>;

describe('Django backend connector (interop)', () => {
  let server: StandaloneServer;
  let django: DjangoApp;
  const { api, createTask, patchTask, subscribe, open, subscribedSocket, closeSockets } = createInteropFixture<Task>({
    // DRF routes live under /api.
    apiBase: () => `${django.url}/api`,
    frontendUrl: () => server.frontendUrl,
    diagnostics: () => django.log().slice(-4000),
  });

  beforeAll(async () => {
    // Fails (never skips) naming the Debian package to install.
    assertDjangoAvailable();
    server = await startStandaloneServer(interopServerConfig());
    django = await startDjangoApp({ backendUrl: server.backendUrl, apiKey: server.apiKey });
  }, 90_000);

  afterEach(() => closeSockets());

  afterAll(async () => {
    await django?.stop();
    await server?.stop();
  });

  it('answers a plain list request without authorizing a subscription', async () => {
    const { response, json } = await api('GET', '/tasks');
    expect(response.headers.get('x-subscription-token')).toBeNull();
    expect(Array.isArray(json)).toBe(true);
  });

  it('delivers create, update and delete made through the Django ORM as deltas', async () => {
    const socket = await subscribedSocket();

    const created = await createTask({ title: 'Buy milk', owner: 'ann' });
    expect(created).toEqual({ id: expect.any(Number), title: 'Buy milk', completed: false, owner: 'ann' });
    const updated = await patchTask(created.id, { title: 'Buy oat milk', completed: true });
    await api('DELETE', `/tasks/${created.id}`);

    expect(await socket.waitForDeltas(3)).toEqual([
      { type: 'insert', model: 'Task', data: created },
      { type: 'update', model: 'Task', oldData: created, newData: updated },
      { type: 'delete', model: 'Task', data: updated },
    ]);
    // The exact frame the browser connector dispatches on.
    expect(socket.notifications[0]).toEqual({
      service: 'datasync',
      message: { type: 'delta', delta: { type: 'insert', model: 'Task', data: created } },
    });
  });

  it('keeps the changes made between the list query and acquireSubscription', async () => {
    const existing = await createTask({ title: 'Existing', owner: 'bob' });
    const { tasks, token } = await subscribe();
    expect(tasks).toContainEqual(existing);

    // The browser has the list but has not acquired the token yet.
    const late = await createTask({ title: 'Late arrival', owner: 'cy' });
    const moved = await patchTask(existing.id, { owner: 'dee' });

    const socket = await open();
    await expect(socket.acquire(token)).resolves.toBeNull();
    expect(await socket.waitForDeltas(2)).toEqual([
      { type: 'insert', model: 'Task', data: late },
      { type: 'update', model: 'Task', oldData: existing, newData: moved },
    ]);
  });

  it('routes by owner with a simple dealer, turning an owner change into a delete', async () => {
    const { tasks, token } = await subscribe('?owner=alice');
    expect(tasks.every((t) => t.owner === 'alice')).toBe(true);
    const socket = await open();
    await expect(socket.acquire(token)).resolves.toBeNull();

    await createTask({ title: 'Not for alice', owner: 'bob' });
    const mine = await createTask({ title: 'For alice', owner: 'alice' });
    await patchTask(mine.id, { owner: 'carol' }); // leaves alice's query: oldData must say "alice"
    const marker = await createTask({ title: 'Marker', owner: 'alice' });

    // Bob's task would have come first: in-order delivery makes the marker proof of its absence.
    expect(await socket.waitForDeltas(3)).toEqual([
      { type: 'insert', model: 'Task', data: mine },
      { type: 'delete', model: 'Task', data: mine },
      { type: 'insert', model: 'Task', data: marker },
    ]);
  });

  it('announces ORM changes only once their transaction commits (rolled back: never)', async () => {
    const socket = await subscribedSocket();
    await expect(django.manage('task_transactions', 'txn')).resolves.toContain('done');
    const marker = await createTask({ title: 'After the transactions', owner: 'txn' });

    const deltas = await socket.waitForDeltas(3);
    expect(deltas.map((d) => d.data.title)).toEqual(['txn committed 1', 'txn committed 2', marker.title]);
  });

  describe('the plain snorky.backend connector against the real backend endpoint', () => {
    async function rawCall(command: string, params: unknown, ...flags: string[]) {
      const out = await django.manage('snorky_call', 'datasync_backend', command, JSON.stringify(params), ...flags);
      return JSON.parse(out.trim().split('\n').pop()!);
    }

    it.each([[[]], [['--urllib']]])('returns the data of a response (flags %j)', async (flags: string[]) => {
      const reply = await rawCall('authorizeSubscription', { items: [{ dealer: 'AllTasks', query: null }] }, ...flags);
      expect(typeof reply.data).toBe('string');
      expect(reply.data.length).toBeGreaterThanOrEqual(16);
    });

    it.each([[[]], [['--urllib']]])('raises SnorkyError with the protocol text (flags %j)', async (flags: string[]) => {
      await expect(rawCall('authorizeSubscription', { items: [{ dealer: 'Nope', query: null }] }, ...flags)).resolves
        .toEqual({ error: 'SnorkyError', message: 'No such dealer' });
      await expect(rawCall('publishDeltas', { deltas: [{ type: 'bogus', model: 'Task', data: {} }] }, ...flags))
        .resolves.toEqual({ error: 'SnorkyError', message: 'Invalid delta type' });
    });

    it.each([[[]], [['--urllib']]])('maps a wrong API key to a transport error 401 (flags %j)', async (flags: string[]) => {
      const reply = await rawCall('publishDeltas', { deltas: [] }, '--key', 'wrong-key', ...flags);
      expect(reply).toMatchObject({ error: 'SnorkyTransportError', status: 401 });
    });
  });
});
