/**
 * Node interop: a Nest + TypeORM app (test/interop/nest_app, better-sqlite3) wired with
 * @snorky/backend only, against the real standalone server. ORM changes (through the REST API and
 * directly through the DataSource) must reach a WebSocket subscriber as DataSync deltas, only once
 * committed; the X-Snorky: Subscribe handshake must not lose changes made between the list query
 * and acquireSubscription; RPC errors keep the protocol's texts. The same scenarios as the Django
 * and Rails interop tests.
 */
import { SnorkyBackend, SnorkyError, SnorkyTransportError } from '@snorky/backend';
import { startStandaloneServer, StandaloneServer } from '../support/standalone-server';
import { RunningNestApp, startNestApp } from './nest_app/start-nest-app';
import { Task } from './nest_app/task.entity';
import { createInteropFixture, interopServerConfig, TaskJson } from './support/interop-fixture';

/** Beside the tasks DataSync service: PubSub, for SnorkyBackend.publish. */
const SNORKY_CONFIG = interopServerConfig({
  type: 'pubsub',
  name: 'pubsub',
  backend: 'pubsub_backend',
  frontendPublish: false,
});

/** The entity's owner column is nullable. */
type TaskData = TaskJson<string | null>;

describe('Node backend connector: Nest + TypeORM (interop)', () => {
  let server: StandaloneServer;
  let nest: RunningNestApp;
  const { api, createTask, patchTask, subscribe, open, subscribedSocket, closeSockets } = createInteropFixture<TaskData>({
    apiBase: () => nest.url,
    frontendUrl: () => server.frontendUrl,
    diagnostics: () => `${nest.log().slice(-4000)}\n${server.output().slice(-2000)}`,
  });

  beforeAll(async () => {
    server = await startStandaloneServer(SNORKY_CONFIG);
    nest = await startNestApp({ backendUrl: server.backendUrl, apiKey: server.apiKey });
  }, 60_000);

  afterEach(() => closeSockets());

  afterAll(async () => {
    await nest?.stop();
    await server?.stop();
  });

  it('answers a plain list request without authorizing a subscription', async () => {
    const { response, json } = await api('GET', '/tasks');
    expect(response.headers.get('x-subscription-token')).toBeNull();
    expect(Array.isArray(json)).toBe(true);
  });

  it('delivers create, update and delete made through TypeORM (REST API) as deltas', async () => {
    const socket = await subscribedSocket();

    const created = await createTask({ title: 'Buy milk', owner: 'ann' });
    expect(created).toEqual({ id: expect.any(Number), title: 'Buy milk', completed: false, owner: 'ann' });
    const updated = await patchTask(created.id, { title: 'Buy oat milk', completed: true });
    expect(updated).toEqual({ ...created, title: 'Buy oat milk', completed: true });
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
    expect(tasks).not.toContainEqual(late);

    const socket = await open();
    await expect(socket.acquire(token)).resolves.toBeNull();
    expect(await socket.waitForDeltas(2)).toEqual([
      { type: 'insert', model: 'Task', data: late },
      { type: 'update', model: 'Task', oldData: existing, newData: moved },
    ]);
  });

  it('keeps a change committed right after the query, before the response leaves the app', async () => {
    // The list holds 1 s after its query; a change committed in that window is in neither the
    // list nor (had the app queried before authorizing) the subscription.
    const listing = api('GET', '/tasks?hold=1', undefined, { 'X-Snorky': 'Subscribe' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const inWindow = await createTask({ title: 'In the window', owner: 'eve' });
    const { response, json: tasks } = await listing;
    expect(tasks).not.toContainEqual(inWindow);

    const socket = await open();
    await socket.acquire(response.headers.get('x-subscription-token')!);
    expect(await socket.waitForDeltas(1)).toEqual([{ type: 'insert', model: 'Task', data: inWindow }]);
  });

  it("routes an owner change through oldData: the old owner's list loses the task, the new owner's gains it", async () => {
    const task = await createTask({ title: 'Hand over', owner: 'fay' });
    const fay = await subscribe('?owner=fay');
    const gus = await subscribe('?owner=gus');
    expect(fay.tasks).toEqual([task]);
    expect(gus.tasks).toEqual([]);
    const faySocket = await open();
    const gusSocket = await open();
    await faySocket.acquire(fay.token);
    await gusSocket.acquire(gus.token);

    await patchTask(task.id, { owner: 'gus' });
    await patchTask(task.id, { completed: true });
    const marker = await createTask({ title: 'Marker', owner: 'fay' });

    const moved = { ...task, owner: 'gus' };
    expect(await gusSocket.waitForDeltas(2)).toEqual([
      { type: 'insert', model: 'Task', data: moved },
      { type: 'update', model: 'Task', oldData: moved, newData: { ...moved, completed: true } },
    ]);
    // In-order delivery: the marker proves the second update never reached fay.
    expect(await faySocket.waitForDeltas(2)).toEqual([
      { type: 'delete', model: 'Task', data: task },
      { type: 'insert', model: 'Task', data: marker },
    ]);
  });

  it('announces ORM changes only once their transaction commits (rolled back: never; savepoints followed)', async () => {
    const socket = await subscribedSocket('?owner=txn');
    let sentBeforeCommit = -1;
    await nest.dataSource.transaction(async (manager) => {
      await manager.save(manager.create(Task, { title: 'txn committed 1', owner: 'txn' }));
      await manager
        .transaction(async (inner) => {
          await inner.save(inner.create(Task, { title: 'txn savepoint rolled back', owner: 'txn' }));
          throw new Error('roll back the savepoint');
        })
        .catch(() => undefined);
      await manager.save(manager.create(Task, { title: 'txn committed 2', owner: 'txn' }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      sentBeforeCommit = socket.deltas.length;
    });
    await nest.dataSource
      .transaction(async (manager) => {
        await manager.save(manager.create(Task, { title: 'txn rolled back', owner: 'txn' }));
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const marker = await createTask({ title: 'After the transactions', owner: 'txn' });

    expect(sentBeforeCommit).toBe(0);
    const deltas = await socket.waitForDeltas(3);
    expect(deltas.map((d) => d.data.title)).toEqual(['txn committed 1', 'txn committed 2', marker.title]);
  });

  it('refuses a token a second time (the app hands out real DataSync tokens)', async () => {
    const { token } = await subscribe();
    const first = await open();
    await first.acquire(token);
    const second = await open();
    await expect(second.acquire(token)).rejects.toThrow('No such subscription');
  });

  it('surfaces a wrong API key as a transport error (HTTP 401) in the app', async () => {
    const wrongKey = await startNestApp({ backendUrl: server.backendUrl, apiKey: 'not-the-key' });
    try {
      const response = await fetch(`${wrongKey.url}/tasks`, { headers: { 'X-Snorky': 'Subscribe' } });
      expect(response.status).toBe(500);
      expect(response.headers.get('x-subscription-token')).toBeNull();
      expect(wrongKey.log()).toMatch(/SnorkyTransportError: Snorky backend at \S+ answered HTTP 401/);
    } finally {
      await wrongKey.stop();
    }
  });

  describe('SnorkyBackend against the real backend endpoint', () => {
    const backend = () => new SnorkyBackend({ url: server.backendUrl, key: server.apiKey });

    it('resolves with the data of a response (a token)', async () => {
      const token = await backend().call('datasync_backend', 'authorizeSubscription', { items: [{ dealer: 'AllTasks', query: null }] });
      expect(typeof token).toBe('string');
      expect((token as string).length).toBeGreaterThanOrEqual(16);
    });

    it.each([
      ['authorizeSubscription', { items: [{ dealer: 'Nope', query: null }] }, 'No such dealer'],
      ['authorizeSubscription', { items: [{ dealer: 'AllTasks' }] }, "Missing field 'query'"],
      ['publishDeltas', { deltas: [{ type: 'bogus', model: 'Task', data: {} }] }, 'Invalid delta type'],
      ['publishDeltas', { deltas: [], extra: 1 }, 'Invalid params'],
      ['noSuchCommand', {}, 'Unknown command'],
    ])('rejects %s %j with SnorkyError %j', async (command, params, text) => {
      const error = await backend()
        .call('datasync_backend', command, params)
        .then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(SnorkyError);
      expect((error as SnorkyError).message).toBe(text);
    });

    it('publishDeltas and publish reach WebSocket subscribers', async () => {
      const snorky = backend();
      const token = await snorky.authorizeSubscription([{ dealer: 'TasksByOwner', query: 'raw' }]);
      const socket = await open();
      await socket.acquire(token);
      await socket.call('pubsub', 'subscribe', { channel: { room: 1 } });
      const delta = { type: 'insert' as const, model: 'Task', data: { id: 999, title: 'by hand', completed: false, owner: 'raw' } };
      await expect(snorky.publishDeltas([delta])).resolves.toBeNull();
      await expect(snorky.publish({ room: 1 }, 'hello')).resolves.toBeNull();
      await expect(socket.waitForDeltas(1)).resolves.toEqual([delta]);
      const deadline = Date.now() + 5000;
      while (!socket.notifications.some((n) => n.message.type === 'message') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(socket.notifications.find((n) => n.message.type === 'message')).toEqual({
        service: 'pubsub',
        message: { type: 'message', channel: { room: 1 }, message: 'hello' },
      });
    });

    it('maps a wrong API key to SnorkyTransportError with status 401', async () => {
      const error = await new SnorkyBackend({ url: server.backendUrl, key: 'wrong-key' })
        .publishDeltas([])
        .then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(SnorkyTransportError);
      expect((error as SnorkyTransportError).status).toBe(401);
    });
  });
});
