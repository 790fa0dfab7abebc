import { Provider } from '@nestjs/common';
import {
  BroadcastDealer,
  DATASYNC_OPTIONS,
  DataSyncBackend,
  DataSyncService,
  Dealer,
  FilterDealer,
  SimpleDealer,
} from '@snorky/nest';
import { backendCall, RunningSnorkyApp, startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';

@Dealer()
class AllTasks extends BroadcastDealer {
  model = 'Task';
}

@Dealer()
class TasksByOwner extends SimpleDealer {
  model = 'Task';
  key = 'owner';
}

@Dealer({ name: 'TasksByTeam' })
class TeamDealer extends SimpleDealer {
  model = 'Task';
  key = 'owner.team';
}

@Dealer()
class FilteredTasks extends FilterDealer {
  model = 'Task';
}

@Dealer()
class FilteredPlayers extends FilterDealer {
  model = 'Player';
}

const DEALERS: Provider[] = [AllTasks, TasksByOwner, TeamDealer, FilteredTasks, FilteredPlayers];
const TIMEOUT_S = 0.4;

/** PROTOCOL.md §4 over real WebSockets and the real backend HTTP endpoint. */
describe('DataSync (PROTOCOL §4)', () => {
  let server: RunningSnorkyApp;
  let alice: TestSocket;
  let bob: TestSocket;

  const authorize = (items: unknown) => backendCall(server.backendUrl, 'datasync_backend', 'authorizeSubscription', { items });
  const token = async (items: unknown): Promise<string> => {
    const reply = await authorize(items);
    if (reply.type !== 'response') throw new Error(`authorizeSubscription failed: ${JSON.stringify(reply)}`);
    return reply.data;
  };
  const publish = (deltas: unknown) => backendCall(server.backendUrl, 'datasync_backend', 'publishDeltas', { deltas });
  const published = async (deltas: unknown) => expect(await publish(deltas)).toEqual({ type: 'response', data: null });
  const acquire = (socket: TestSocket, t: unknown, callId = 0) => socket.call('datasync', 'acquireSubscription', { token: t }, callId);
  const deltaFrame = (delta: unknown) => ({ service: 'datasync', message: { type: 'delta', delta } });
  const ok = (callId = 0) => ({ service: 'datasync', message: { type: 'response', callId, data: null } });
  const insert = (data: unknown, model = 'Task') => ({ type: 'insert', model, data });

  beforeAll(async () => {
    server = await startSnorkyApp([
      DataSyncService,
      DataSyncBackend,
      { provide: DATASYNC_OPTIONS, useValue: { unacquiredTimeout: TIMEOUT_S } },
      ...DEALERS,
    ]);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    alice = await TestSocket.open(server.wsUrl);
    bob = await TestSocket.open(server.wsUrl);
  });
  afterEach(async () => {
    await alice.close();
    await bob.close();
  });

  describe('authorizeSubscription', () => {
    it('returns a fresh secret token of at least 128 bits', async () => {
      const tokens = await Promise.all(Array.from({ length: 20 }, () => token([{ dealer: 'AllTasks', query: null }])));
      expect(new Set(tokens).size).toBe(20);
      for (const t of tokens) {
        expect(typeof t).toBe('string');
        // base64url: 6 bits per character
        expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(t.length * 6).toBeGreaterThanOrEqual(128);
      }
    });

    it.each([
      ['a dealer that is not a string', [{ dealer: 3, query: 1 }], 'dealer should be a dealer name'],
      ['an unknown dealer', [{ dealer: 'Nope', query: 1 }], 'No such dealer'],
      ['a missing query', [{ dealer: 'TasksByOwner' }], "Missing field 'query'"],
      ['a missing dealer', [{ query: 1 }], "Missing field 'dealer'"],
      ['items that are not a list', { dealer: 'AllTasks', query: null }, 'Invalid params'],
    ])('refuses %s', async (_what, items, text) => {
      expect(await authorize(items)).toEqual({ type: 'error', message: text });
    });

    it('refuses an invalid filter expression with a clear error, at authorization', async () => {
      const reply = await authorize([{ dealer: 'FilteredTasks', query: ['~=', 'title', 'x'] }]);
      expect(reply).toEqual({ type: 'error', message: 'Invalid filter: unknown operator "~="' });
      const bad = await authorize([{ dealer: 'FilteredTasks', query: ['<', 'age'] }]);
      expect(bad.message).toBe('Invalid filter: "<" takes a field and a value');
      const notList = await authorize([{ dealer: 'FilteredTasks', query: 'owner == 1' }]);
      expect(notList.message).toMatch(/^Invalid filter: expected a list/);
    });
  });

  describe('acquiring', () => {
    it('sends the deltas kept since authorization first, in order, then live ones', async () => {
      const t = await token([{ dealer: 'TasksByOwner', query: 'alice' }]);
      await published([insert({ id: 1, owner: 'alice' }), insert({ id: 2, owner: 'bob' })]);
      await published([insert({ id: 3, owner: 'alice' })]);
      await published([{ type: 'update', model: 'Task', oldData: { id: 1, owner: 'alice' }, newData: { id: 1, owner: 'alice', done: true } }]);
      expect(await acquire(alice, t)).toEqual(deltaFrame(insert({ id: 1, owner: 'alice' })));
      expect(await alice.next()).toEqual(deltaFrame(insert({ id: 3, owner: 'alice' })));
      expect(await alice.next()).toEqual(
        deltaFrame({ type: 'update', model: 'Task', newData: { id: 1, owner: 'alice', done: true }, oldData: { id: 1, owner: 'alice' } }),
      );
      expect(await alice.next()).toEqual(ok());
      await published([insert({ id: 4, owner: 'alice' })]);
      expect(await alice.next()).toEqual(deltaFrame(insert({ id: 4, owner: 'alice' })));
      await alice.expectSilence(100);
    });

    it('lets a token be acquired once only', async () => {
      const t = await token([{ dealer: 'AllTasks', query: null }]);
      expect(await acquire(alice, t)).toEqual(ok());
      expect((await acquire(bob, t)).message).toEqual({ type: 'error', callId: 0, message: 'No such subscription' });
      expect((await acquire(alice, t, 1)).message).toEqual({ type: 'error', callId: 1, message: 'No such subscription' });
      await published([insert({ id: 1 })]);
      expect(await alice.next()).toEqual(deltaFrame(insert({ id: 1 })));
      await bob.expectSilence(100);
    });

    it('refuses unknown tokens and tokens that are not strings', async () => {
      expect((await acquire(alice, 'x'.repeat(32))).message.message).toBe('No such subscription');
      expect((await acquire(alice, 12345)).message.message).toBe('token must be string');
      expect((await alice.call('datasync', 'acquireSubscription', {}, 2)).message).toEqual({ type: 'error', callId: 2, message: 'Invalid params' });
    });

    it(`cancels an unacquired subscription after the configured timeout (${TIMEOUT_S} s) and drops its deltas`, async () => {
      const t = await token([{ dealer: 'AllTasks', query: null }]);
      await published([insert({ id: 1 })]);
      await new Promise((r) => setTimeout(r, TIMEOUT_S * 1000 + 200));
      expect((await acquire(alice, t)).message.message).toBe('No such subscription');
      await alice.expectSilence(100);
    });

    it('keeps a subscription acquired before the timeout alive after it', async () => {
      const t = await token([{ dealer: 'AllTasks', query: null }]);
      expect(await acquire(alice, t)).toEqual(ok());
      await new Promise((r) => setTimeout(r, TIMEOUT_S * 1000 + 200));
      await published([insert({ id: 7 })]);
      expect(await alice.next()).toEqual(deltaFrame(insert({ id: 7 })));
    });
  });

  describe('cancelling', () => {
    it('lets only the client that acquired a subscription cancel it', async () => {
      const t = await token([{ dealer: 'AllTasks', query: null }]);
      expect(await acquire(alice, t)).toEqual(ok());
      expect((await bob.call('datasync', 'cancelSubscription', { token: t }, 5)).message).toEqual({ type: 'error', callId: 5, message: 'No such subscription' });
      await published([insert({ id: 1 })]);
      expect(await alice.next()).toEqual(deltaFrame(insert({ id: 1 })));
      expect(await alice.call('datasync', 'cancelSubscription', { token: t }, 6)).toEqual(ok(6));
      await published([insert({ id: 2 })]);
      await alice.expectSilence(150);
      expect((await alice.call('datasync', 'cancelSubscription', { token: t }, 7)).message.message).toBe('No such subscription');
      expect((await alice.call('datasync', 'cancelSubscription', { token: 7 }, 8)).message.message).toBe('token must be string');
    });

    it('refuses to cancel a subscription nobody acquired yet', async () => {
      const t = await token([{ dealer: 'AllTasks', query: null }]);
      expect((await alice.call('datasync', 'cancelSubscription', { token: t }, 1)).message.message).toBe('No such subscription');
      expect(await acquire(bob, t)).toEqual(ok()); // still usable by its rightful client
    });

    it("cancels all of a client's subscriptions when it disconnects", async () => {
      const service = server.app.get(DataSyncService);
      const before = service.engine.subscriptions.size;
      const carol = await TestSocket.open(server.wsUrl);
      for (let i = 0; i < 3; i++) expect(await acquire(carol, await token([{ dealer: 'AllTasks', query: null }]), i)).toEqual(ok(i));
      const kept = await token([{ dealer: 'AllTasks', query: null }]);
      expect(await acquire(alice, kept)).toEqual(ok());
      expect(service.engine.subscriptions.size).toBe(before + 4);
      await carol.close();
      await new Promise((r) => setTimeout(r, 100));
      expect(service.engine.subscriptions.size).toBe(before + 1);
      await published([insert({ id: 1 })]);
      expect(await alice.next()).toEqual(deltaFrame(insert({ id: 1 })));
    });
  });

  describe('delivery', () => {
    it('turns update deltas into insert / update / delete per subscription (the update table)', async () => {
      const t = await token([{ dealer: 'FilteredTasks', query: ['==', 'done', false] }]);
      expect(await acquire(alice, t)).toEqual(ok());
      const rows = [
        // [oldData, newData, what the client receives]
        [{ id: 1, done: true }, { id: 1, done: false }, { type: 'insert', model: 'Task', data: { id: 1, done: false } }],
        [{ id: 1, done: false }, { id: 1, done: false, title: 'b' }, { type: 'update', model: 'Task', newData: { id: 1, done: false, title: 'b' }, oldData: { id: 1, done: false } }],
        [{ id: 1, done: false }, { id: 1, done: true }, { type: 'delete', model: 'Task', data: { id: 1, done: false } }],
        [{ id: 2, done: true }, { id: 2, done: true, title: 'c' }, null],
      ] as const;
      await published(rows.map(([oldData, newData]) => ({ type: 'update', model: 'Task', oldData, newData })));
      for (const [, , expected] of rows) if (expected) expect(await alice.next()).toEqual(deltaFrame(expected));
      await alice.expectSilence(100);
    });

    it('sends insert and delete deltas to the items matching their data', async () => {
      expect(await acquire(alice, await token([{ dealer: 'TasksByOwner', query: 'alice' }]))).toEqual(ok());
      expect(await acquire(bob, await token([{ dealer: 'TasksByOwner', query: 'bob' }]))).toEqual(ok());
      await published([insert({ id: 1, owner: 'bob' }), { type: 'delete', model: 'Task', data: { id: 2, owner: 'alice' } }]);
      expect(await alice.next()).toEqual(deltaFrame({ type: 'delete', model: 'Task', data: { id: 2, owner: 'alice' } }));
      expect(await bob.next()).toEqual(deltaFrame(insert({ id: 1, owner: 'bob' })));
      await alice.expectSilence(100);
      await bob.expectSilence(0);
    });

    it('delivers a delta once per subscription even when several of its items match', async () => {
      const t = await token([
        { dealer: 'AllTasks', query: null },
        { dealer: 'TasksByOwner', query: 'alice' },
        { dealer: 'FilteredTasks', query: ['==', 'owner', 'alice'] },
      ]);
      expect(await acquire(alice, t)).toEqual(ok());
      await published([insert({ id: 1, owner: 'alice' })]);
      expect(await alice.next()).toEqual(deltaFrame(insert({ id: 1, owner: 'alice' })));
      await alice.expectSilence(150);
    });

    it('reads dotted fields in filters and simple-dealer keys', async () => {
      expect(await acquire(alice, await token([{ dealer: 'FilteredPlayers', query: ['==', 'player.color', 'blue'] }]))).toEqual(ok());
      expect(await acquire(bob, await token([{ dealer: 'TasksByTeam', query: { id: 7 } }]))).toEqual(ok());
      await published([
        insert({ player: { color: 'red' }, color: 'blue' }, 'Player'),
        insert({ player: { color: 'blue' } }, 'Player'),
        insert({ player: 'blue' }, 'Player'),
        insert({ id: 1, owner: { team: { id: 7 } } }),
        insert({ id: 2, owner: { team: 7 } }),
        insert({ id: 3, owner: 'x' }),
      ]);
      expect(await alice.next()).toEqual(deltaFrame(insert({ player: { color: 'blue' } }, 'Player')));
      expect(await bob.next()).toEqual(deltaFrame(insert({ id: 1, owner: { team: { id: 7 } } })));
      await alice.expectSilence(100);
      await bob.expectSilence(0);
    });

    it('compares simple-dealer keys by value and treats a missing field as no match', async () => {
      expect(await acquire(alice, await token([{ dealer: 'TasksByOwner', query: { a: 1, b: [1, 2] } }]))).toEqual(ok());
      await published([insert({ id: 1, owner: { b: [1, 2], a: 1 } }), insert({ id: 2 }), insert({ id: 3, owner: '1' })]);
      expect(await alice.next()).toEqual(deltaFrame(insert({ id: 1, owner: { b: [1, 2], a: 1 } })));
      await alice.expectSilence(100);
    });

    it('orders filter comparisons only between numbers or between strings', async () => {
      expect(await acquire(alice, await token([{ dealer: 'FilteredTasks', query: ['and', ['>=', 'priority', 3], ['not', ['==', 'owner', 'x']]] }]))).toEqual(ok());
      await published([
        insert({ id: 1, priority: 5, owner: 'a' }),
        insert({ id: 2, priority: '5', owner: 'a' }),
        insert({ id: 3, priority: 5, owner: 'x' }),
        insert({ id: 4, owner: 'a' }),
        insert({ id: 5, priority: 3 }),
      ]);
      expect(await alice.next()).toEqual(deltaFrame(insert({ id: 1, priority: 5, owner: 'a' })));
      expect(await alice.next()).toEqual(deltaFrame(insert({ id: 5, priority: 3 })));
      await alice.expectSilence(100);
    });
  });

  describe('publishDeltas', () => {
    beforeEach(async () => {
      expect(await acquire(alice, await token([{ dealer: 'AllTasks', query: null }]))).toEqual(ok());
    });

    it.each([
      ['a bad type', { type: 'upsert', model: 'Task', data: {} }, 'Invalid delta type'],
      ['a model that is not a string', { type: 'insert', model: 5, data: {} }, 'model must be string'],
      ['a missing model', { type: 'insert', data: {} }, "Missing field 'model'"],
      ['a missing type', { model: 'Task', data: {} }, "Missing field 'type'"],
      ['a missing data', { type: 'delete', model: 'Task' }, "Missing field 'data'"],
      ['a missing newData', { type: 'update', model: 'Task', oldData: {} }, "Missing field 'newData'"],
      ['a missing oldData', { type: 'update', model: 'Task', newData: {} }, "Missing field 'oldData'"],
    ])('rejects a batch with %s and delivers nothing of it', async (_what, bad, text) => {
      const reply = await publish([insert({ id: 1 }), insert({ id: 2 }), bad, insert({ id: 3 })]);
      expect(reply).toEqual({ type: 'error', message: text });
      await alice.expectSilence(150);
    });

    it('accepts deltas for a model no dealer handles, delivering them to nobody', async () => {
      await published([insert({ id: 1 }, 'Unknown'), insert({ id: 2 })]);
      expect(await alice.next()).toEqual(deltaFrame(insert({ id: 2 })));
      await alice.expectSilence(100);
    });

    it('accepts an empty batch', async () => {
      await published([]);
      await alice.expectSilence(50);
    });

    it('refuses deltas that are not a list', async () => {
      expect(await publish(insert({ id: 1 }))).toEqual({ type: 'error', message: 'Invalid params' });
    });
  });

  it('is not reachable from the frontend for backend commands, nor the reverse', async () => {
    expect((await alice.call('datasync', 'authorizeSubscription', { items: [] }, 1)).message).toEqual({ type: 'error', callId: 1, message: 'Unknown command' });
    expect(await backendCall(server.backendUrl, 'datasync_backend', 'acquireSubscription', { token: 'x' })).toEqual({ type: 'error', message: 'Unknown command' });
  });
});
