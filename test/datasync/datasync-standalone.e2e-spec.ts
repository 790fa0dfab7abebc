import { postBackend } from '../support/snorky-app';
import { runStandaloneServerExpectingFailure, startStandaloneServer, StandaloneServer } from '../support/standalone-server';
import { TestSocket } from '../support/ws-client';

/** The declarative entry of the issue, as a Django or Rails team would write it (plus a dotted key and a short timeout). */
const DATASYNC_ENTRY = {
  type: 'datasync',
  name: 'datasync',
  backend: 'datasync_backend',
  unacquiredTimeout: 1,
  journalMaxEntries: 3,
  positionInterval: 0.1,
  dealers: [
    { name: 'AllTasks', model: 'Task', type: 'broadcast' },
    { name: 'TasksByOwner', model: 'Task', type: 'simple', key: 'owner' },
    { name: 'TasksByTeam', model: 'Task', type: 'simple', key: 'owner.team' },
    { name: 'FilteredTasks', model: 'Task', type: 'filter' },
  ],
};

describe('DataSync in the standalone server (declarative dealers)', () => {
  let server: StandaloneServer;
  const call = async (command: string, params: object) => {
    const res = await postBackend(server.backendUrl, { service: 'datasync_backend', message: { command, params } }, server.apiKey);
    expect(res.status).toBe(200);
    expect(res.body.service).toBe('datasync_backend');
    return res.body.message;
  };
  const token = async (items: unknown) => {
    const reply = await call('authorizeSubscription', { items });
    expect(reply.type).toBe('response');
    return reply.data as string;
  };
  const delta = (d: unknown) => ({ service: 'datasync', message: { type: 'delta', delta: d } });

  beforeAll(async () => {
    server = await startStandaloneServer({ services: [DATASYNC_ENTRY] });
  });
  afterAll(() => server?.stop());

  it('serves broadcast, simple (dotted key) and filter dealers from the config', async () => {
    const sockets = await Promise.all([0, 1, 2, 3].map(() => TestSocket.open(server.frontendUrl)));
    const [all, byOwner, byTeam, filtered] = sockets;
    const tokens = await Promise.all([
      token([{ dealer: 'AllTasks', query: null }]),
      token([{ dealer: 'TasksByOwner', query: { team: 'red', name: 'ann' } }]), // by value, any key order
      token([{ dealer: 'TasksByTeam', query: 'red' }]),
      token([{ dealer: 'FilteredTasks', query: ['and', ['==', 'owner.team', 'red'], ['>=', 'priority', 2]] }]),
    ]);
    // authorized, not yet acquired: this delta is kept for every one of them
    const first = { type: 'insert', model: 'Task', data: { id: 1, owner: { name: 'ann', team: 'red' }, priority: 3 } };
    expect(await call('publishDeltas', { deltas: [first] })).toEqual({ type: 'response', data: null });
    for (const [i, s] of sockets.entries()) {
      expect(await s.call('datasync', 'acquireSubscription', { token: tokens[i] }, 0)).toEqual(delta(first));
      expect((await s.next()).message).toEqual({ type: 'response', callId: 0, data: null });
    }
    const update = {
      type: 'update',
      model: 'Task',
      oldData: { id: 1, owner: { name: 'ann', team: 'red' }, priority: 3 },
      newData: { id: 1, owner: { team: 'red', name: 'ann' }, priority: 1 },
    };
    expect(await call('publishDeltas', { deltas: [update] })).toEqual({ type: 'response', data: null });
    expect(await all.next()).toEqual(delta(update));
    expect(await byOwner.next()).toEqual(delta(update));
    expect(await byTeam.next()).toEqual(delta(update));
    // priority dropped below 2: it left the filter, so that subscriber is told to delete it
    expect(await filtered.next()).toEqual(delta({ type: 'delete', model: 'Task', data: update.oldData }));
    await Promise.all(sockets.map((s) => s.expectSilence(100)));
    await Promise.all(sockets.map((s) => s.close()));
  });

  it('refuses invalid filters, unknown dealers and bad batches with the protocol texts', async () => {
    expect(await call('authorizeSubscription', { items: [{ dealer: 'FilteredTasks', query: ['===', 'a', 1] }] })).toEqual({
      type: 'error',
      message: 'Invalid filter: unknown operator "==="',
    });
    expect((await call('authorizeSubscription', { items: [{ dealer: 'Nope', query: 1 }] })).message).toBe('No such dealer');
    const browser = await TestSocket.open(server.frontendUrl);
    await browser.call('datasync', 'acquireSubscription', { token: await token([{ dealer: 'AllTasks', query: null }]) }, 0);
    const batch = [{ type: 'insert', model: 'Task', data: {} }, { type: 'insert', model: 1, data: {} }];
    expect(await call('publishDeltas', { deltas: batch })).toEqual({ type: 'error', message: 'model must be string' });
    await browser.expectSilence(150);
    await browser.close();
  });

  it('expires unacquired tokens after the configured unacquiredTimeout', async () => {
    const t = await token([{ dealer: 'AllTasks', query: null }]);
    await new Promise((r) => setTimeout(r, 1300));
    const browser = await TestSocket.open(server.frontendUrl);
    expect((await browser.call('datasync', 'acquireSubscription', { token: t }, 0)).message.message).toBe('No such subscription');
    await browser.close();
  });

  it.each([
    ['a simple dealer without key', { name: 'X', model: 'Task', type: 'simple' }, /key is required for a simple dealer/],
    ['a key on a filter dealer', { name: 'X', model: 'Task', type: 'filter', key: 'a' }, /key is only for simple dealers/],
    ['an unknown dealer type', { name: 'X', model: 'Task', type: 'regex' }, /type must be one of the following values: broadcast, simple, filter/],
    ['a dealer without model', { name: 'X', type: 'broadcast' }, /model/],
    ['an empty dotted segment', { name: 'X', model: 'Task', type: 'simple', key: 'owner..id' }, /key is required for a simple dealer/],
  ])('refuses a config with %s', async (_what, dealer, message) => {
    const config = { backend: { apiKey: 'k' }, services: [{ ...DATASYNC_ENTRY, dealers: [dealer] }] };
    const { code, output } = await runStandaloneServerExpectingFailure(JSON.stringify(config));
    expect(code).not.toBe(0);
    expect(output).toMatch(message);
  });

  it('refuses two dealers with the same name', async () => {
    const dealers = [DATASYNC_ENTRY.dealers[0], DATASYNC_ENTRY.dealers[0]];
    const { code, output } = await runStandaloneServerExpectingFailure(JSON.stringify({ backend: { apiKey: 'k' }, services: [{ ...DATASYNC_ENTRY, dealers }] }));
    expect(code).not.toBe(0);
    expect(output).toMatch(/dealer names must be unique/);
  });

  it('takes the resume options from the config: journalMaxEntries bounds a resume, positionInterval paces position notifications', async () => {
    const first = await TestSocket.open(server.frontendUrl);
    const reply = await first.call('datasync', 'acquireSubscription', { token: await token([{ dealer: 'TasksByOwner', query: 'resumer' }]), resume: true }, 0);
    const { resumeToken, position } = reply.message.data;
    await call('publishDeltas', { deltas: [{ type: 'insert', model: 'Task', data: { id: 900, owner: 'nobody' } }] });
    expect((await first.next(2000)).message).toEqual({ type: 'position', position: { epoch: position.epoch, seq: position.seq + 1 } });
    first.ws.terminate();
    for (let i = 0; i < 3; i++) await call('publishDeltas', { deltas: [{ type: 'insert', model: 'Task', data: { id: 901 + i, owner: 'nobody' } }] });
    const second = await TestSocket.open(server.frontendUrl);
    // 3 batches kept, the position is 4 behind: refused, the client refetches
    expect((await second.call('datasync', 'resumeSubscription', { resumeToken, position }, 1)).message).toEqual({ type: 'error', callId: 1, message: 'Cannot resume subscription' });
    await second.close();
  });
});
