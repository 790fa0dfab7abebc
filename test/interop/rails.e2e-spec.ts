/**
 * Rails interop: a real Rails 6.1 app (ActiveRecord + sqlite3, the snorky gem
 * from libs/ruby) against the real standalone server. Changes made through
 * the app's HTTP API must reach a WebSocket subscriber as DataSync deltas,
 * and the X-Snorky: Subscribe handshake must not lose changes made between
 * the list query and the token's acquisition.
 */
import { startStandaloneServer, StandaloneServer } from '../support/standalone-server';
import { assertRailsAvailable, RailsApp, startRailsApp } from './rails-app';
import { createInteropFixture, interopServerConfig, TaskJson } from './support/interop-fixture';

/** The tasks table's owner column is nullable. */
type Task = TaskJson<string | null>;

describe('Rails backend connector (interop)', () => {
  let server: StandaloneServer;
  let rails: RailsApp;
  const { api, createTask, patchTask, subscribe, open, subscribedSocket, closeSockets } = createInteropFixture<Task>({
    apiBase: () => rails.url,
    frontendUrl: () => server.frontendUrl,
    diagnostics: () => rails.log().slice(-4000),
    // Strong parameters: params.require(:task).
    taskBody: (task) => ({ task }),
  });

  beforeAll(async () => {
    // Fails (never skips) with the Debian package to install.
    assertRailsAvailable();
    server = await startStandaloneServer(interopServerConfig());
    rails = await startRailsApp({ backendUrl: server.backendUrl, apiKey: server.apiKey });
  }, 90_000);

  afterEach(() => closeSockets());

  afterAll(async () => {
    await rails?.stop();
    await server?.stop();
  });

  it('answers a plain list request without authorizing a subscription', async () => {
    const { response, json } = await api('GET', '/tasks');
    expect(response.headers.get('x-subscription-token')).toBeNull();
    expect(Array.isArray(json)).toBe(true);
  });

  it('delivers ActiveRecord create, update and destroy to a subscriber as deltas', async () => {
    const client = await subscribedSocket();

    const created = await createTask({ title: 'Buy milk', owner: 'ann' });
    expect(created).toEqual({ id: expect.any(Number), title: 'Buy milk', completed: false, owner: 'ann' });
    await patchTask(created.id, { completed: true, title: 'Buy oat milk' });
    await api('DELETE', `/tasks/${created.id}`);

    const deltas = await client.waitForDeltas(3);
    expect(deltas).toEqual([
      { type: 'insert', model: 'Task', data: created },
      {
        type: 'update',
        model: 'Task',
        oldData: created,
        newData: { ...created, title: 'Buy oat milk', completed: true },
      },
      { type: 'delete', model: 'Task', data: { ...created, title: 'Buy oat milk', completed: true } },
    ]);
    // The raw frame shape the browser connector dispatches on.
    expect(client.notifications[0]).toEqual({ service: 'datasync', message: { type: 'delta', delta: deltas[0] } });
  });

  it('keeps changes made between the list query and acquireSubscription', async () => {
    const existing = await createTask({ title: 'Existing', owner: 'bob' });

    const { tasks, token } = await subscribe();
    expect(tasks).toContainEqual(existing);

    // The browser has the list but has not acquired the token yet.
    const late = await createTask({ title: 'Late arrival', owner: 'cy' });
    await patchTask(existing.id, { owner: 'dee' });
    expect(tasks).not.toContainEqual(late);

    const client = await open();
    await client.acquire(token);

    const deltas = await client.waitForDeltas(2);
    expect(deltas).toEqual([
      { type: 'insert', model: 'Task', data: late },
      { type: 'update', model: 'Task', oldData: existing, newData: { ...existing, owner: 'dee' } },
    ]);
  });

  it('keeps a change committed right after the query, before the response leaves Rails', async () => {
    // The index holds 1.5 s after running its query; a change committed in
    // that window is in neither the list nor (had Rails queried before
    // authorizing) the subscription. Authorizing first makes it a delta.
    const listing = api('GET', '/tasks?hold=1.5', undefined, { 'X-Snorky': 'Subscribe' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const inWindow = await createTask({ title: 'In the window', owner: 'eve' });
    const { response, json: tasks } = await listing;
    expect(tasks).not.toContainEqual(inWindow);

    const client = await open();
    await client.acquire(response.headers.get('x-subscription-token')!);
    expect(await client.waitForDeltas(1)).toEqual([{ type: 'insert', model: 'Task', data: inWindow }]);
  });

  it("routes an owner change through oldData: the old owner's list loses the task, the new owner's gains it", async () => {
    const task = await createTask({ title: 'Hand over', owner: 'fay' });
    const fay = await subscribe('?owner=fay');
    const gus = await subscribe('?owner=gus');
    expect(fay.tasks).toEqual([task]);
    expect(gus.tasks).toEqual([]);
    const fayClient = await open();
    const gusClient = await open();
    await fayClient.acquire(fay.token);
    await gusClient.acquire(gus.token);

    await patchTask(task.id, { owner: 'gus' });
    await patchTask(task.id, { completed: true });

    const moved = { ...task, owner: 'gus' };
    expect(await gusClient.waitForDeltas(2)).toEqual([
      { type: 'insert', model: 'Task', data: moved },
      { type: 'update', model: 'Task', oldData: moved, newData: { ...moved, completed: true } },
    ]);
    expect(await fayClient.waitForDeltas(1)).toEqual([{ type: 'delete', model: 'Task', data: task }]);
    // The second update no longer concerns fay.
    expect(fayClient.deltas).toHaveLength(1);
  });

  it('refuses a token a second time (the Rails token is a real DataSync token)', async () => {
    const { token } = await subscribe();
    const first = await open();
    await first.acquire(token);
    const second = await open();
    await expect(second.acquire(token)).rejects.toThrow('No such subscription');
  });

  it('surfaces a wrong API key as a transport error (HTTP 401) in the Rails app', async () => {
    const wrongKey = await startRailsApp({ backendUrl: server.backendUrl, apiKey: 'not-the-key' });
    try {
      const response = await fetch(`${wrongKey.url}/tasks`, { headers: { 'X-Snorky': 'Subscribe' } });
      expect(response.status).toBe(500);
      expect(response.headers.get('x-subscription-token')).toBeNull();
      expect(wrongKey.log()).toMatch(/Snorky::TransportError .*HTTP 401/);
    } finally {
      await wrongKey.stop();
    }
  }, 90_000);
});
