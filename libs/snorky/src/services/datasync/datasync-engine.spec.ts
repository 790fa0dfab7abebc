import { DataSyncEngine } from './datasync-engine';
import { BroadcastDealer } from './dealers/broadcast.dealer';
import { FilterDealer } from './dealers/filter.dealer';
import { SimpleDealer } from './dealers/simple.dealer';
import { Delta } from './delta';

class AllTasks extends BroadcastDealer {
  model = 'Task';
}
class TasksByOwner extends SimpleDealer {
  model = 'Task';
  key = 'owner';
}
class TasksByProject extends SimpleDealer {
  name = 'ByProject';
  model = 'Task';
  override getKeyForObject(obj: any) {
    return obj.project.id; // throws on a task without project: must be no match
  }
}
class FilteredTasks extends FilterDealer {
  model = 'Task';
}

/** A client stand-in that records decoded deltas. */
function sink() {
  const got: Delta[] = [];
  return { got, send: (frame: string | Buffer) => got.push(JSON.parse(frame.toString()).message.delta) };
}

function engine(opts: { unacquiredTimeout?: number; maxBufferedDeltas?: number } = {}) {
  const e = new DataSyncEngine({ encode: (delta) => JSON.stringify({ service: 'datasync', message: { type: 'delta', delta } }), ...opts });
  e.registerDealer(new AllTasks());
  e.registerDealer(new TasksByOwner());
  e.registerDealer(new TasksByProject());
  e.registerDealer(new FilteredTasks());
  return e;
}

const insert = (data: unknown): Delta => ({ type: 'insert', model: 'Task', data });
const update = (oldData: unknown, newData: unknown): Delta => ({ type: 'update', model: 'Task', oldData, newData });

describe('DataSyncEngine', () => {
  afterEach(() => jest.useRealTimers());

  it('names dealers by name property or class name', () => {
    expect(engine().dealers.names().sort()).toEqual(['AllTasks', 'ByProject', 'FilteredTasks', 'TasksByOwner']);
  });

  it('makes unguessable 32-character tokens', () => {
    const e = engine();
    const tokens = new Set(Array.from({ length: 1000 }, () => e.authorize([])));
    expect(tokens.size).toBe(1000);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{32}$/);
    e.close();
  });

  it('refuses bad items with the protocol texts', () => {
    const e = engine();
    expect(() => e.authorize([{ query: 1 }])).toThrow("Missing field 'dealer'");
    expect(() => e.authorize([{ dealer: 5, query: 1 }])).toThrow('dealer should be a dealer name');
    expect(() => e.authorize([{ dealer: 'Nope', query: 1 }])).toThrow('No such dealer');
    expect(() => e.authorize([{ dealer: 'TasksByOwner' }])).toThrow("Missing field 'query'");
    expect(() => e.authorize([{ dealer: 'FilteredTasks', query: ['~', 'a', 1] }])).toThrow('Invalid filter: unknown operator "~"');
    expect(() => e.authorize('x')).toThrow('Invalid params');
    expect(() => e.authorize([3])).toThrow('Invalid params');
    // a refused authorization registers nothing, even for its valid items
    expect(() => e.authorize([{ dealer: 'AllTasks', query: null }, { dealer: 'Nope', query: 1 }])).toThrow();
    expect(e.subscriptions.size).toBe(0);
    const c = sink();
    e.route([insert({ owner: 1 })]);
    expect(c.got).toEqual([]);
  });

  it('keeps deltas from authorization and sends them first, in order, on acquisition', () => {
    const e = engine();
    const token = e.authorize([{ dealer: 'TasksByOwner', query: 1 }]);
    e.route([insert({ id: 1, owner: 1 }), insert({ id: 2, owner: 2 }), insert({ id: 3, owner: 1 })]);
    const c = sink();
    e.acquire(token, c);
    e.route([insert({ id: 4, owner: 1 })]);
    expect(c.got.map((d: any) => d.data.id)).toEqual([1, 3, 4]);
    expect(() => e.acquire(token, sink())).toThrow('No such subscription');
    e.close();
  });

  it('turns update deltas into insert / update / delete per subscription', () => {
    const e = engine();
    const c = sink();
    e.acquire(e.authorize([{ dealer: 'FilteredTasks', query: ['==', 'done', false] }]), c);
    e.route([
      update({ id: 1, done: true }, { id: 1, done: false }), // no -> yes: insert new
      update({ id: 1, done: false, t: 'a' }, { id: 1, done: false, t: 'b' }), // yes -> yes: update
      update({ id: 1, done: false }, { id: 1, done: true }), // yes -> no: delete old
      update({ id: 2, done: true }, { id: 2, done: true, t: 'x' }), // no -> no: nothing
    ]);
    expect(c.got).toEqual([
      { type: 'insert', model: 'Task', data: { id: 1, done: false } },
      { type: 'update', model: 'Task', oldData: { id: 1, done: false, t: 'a' }, newData: { id: 1, done: false, t: 'b' } },
      { type: 'delete', model: 'Task', data: { id: 1, done: false } },
    ]);
    e.close();
  });

  it('delivers a delta once per subscription even when several items match', () => {
    const e = engine();
    const c = sink();
    e.acquire(
      e.authorize([
        { dealer: 'AllTasks', query: null },
        { dealer: 'TasksByOwner', query: 1 },
        { dealer: 'FilteredTasks', query: ['==', 'owner', 1] },
      ]),
      c,
    );
    e.route([insert({ owner: 1 })]);
    expect(c.got).toHaveLength(1);
    // old matched one item, new another: still one delta, an update
    e.route([update({ owner: 1 }, { owner: 2 })]);
    expect(c.got.map((d) => d.type)).toEqual(['insert', 'update']);
    e.close();
  });

  it('compares simple-dealer keys by value; a missing key or a throwing key function is no match', () => {
    const e = engine();
    const byOwner = sink();
    const byProject = sink();
    e.acquire(e.authorize([{ dealer: 'TasksByOwner', query: { org: 1, user: 'x' } }]), byOwner);
    e.acquire(e.authorize([{ dealer: 'ByProject', query: 7 }]), byProject);
    e.route([insert({ owner: { user: 'x', org: 1 } }), insert({ title: 'no owner' }), insert({ project: { id: 7 } })]);
    expect(byOwner.got).toHaveLength(1);
    expect(byProject.got).toHaveLength(1);
    e.close();
  });

  it('accepts deltas for models nobody deals with', () => {
    const e = engine();
    expect(() => e.route(e.validateDeltas([{ type: 'insert', model: 'Nobody', data: {} }]))).not.toThrow();
  });

  it('validates the whole batch with the protocol texts', () => {
    const e = engine();
    expect(() => e.validateDeltas([{ model: 'Task', data: {} }])).toThrow("Missing field 'type'");
    expect(() => e.validateDeltas([{ type: 'insert', data: {} }])).toThrow("Missing field 'model'");
    expect(() => e.validateDeltas([{ type: 'insert', model: 3, data: {} }])).toThrow('model must be string');
    expect(() => e.validateDeltas([{ type: 'upsert', model: 'Task', data: {} }])).toThrow('Invalid delta type');
    expect(() => e.validateDeltas([{ type: 'insert', model: 'Task' }])).toThrow("Missing field 'data'");
    expect(() => e.validateDeltas([{ type: 'update', model: 'Task', newData: {} }])).toThrow("Missing field 'oldData'");
    expect(() => e.validateDeltas({})).toThrow('Invalid params');
    expect(e.validateDeltas([{ type: 'update', model: 'Task', newData: 1, oldData: 2, extra: 3 }])).toEqual([
      { type: 'update', model: 'Task', newData: 1, oldData: 2 },
    ]);
  });

  it('expires unacquired subscriptions after the timeout and drops their deltas', () => {
    jest.useFakeTimers();
    const e = engine({ unacquiredTimeout: 5 });
    const token = e.authorize([{ dealer: 'AllTasks', query: null }]);
    e.route([insert({ id: 1 })]);
    jest.advanceTimersByTime(4999);
    expect(e.subscriptions.get(token)?.bufferedCount).toBe(1);
    jest.advanceTimersByTime(1);
    expect(e.subscriptions.size).toBe(0);
    expect(() => e.acquire(token, sink())).toThrow('No such subscription');
  });

  it('does not expire acquired subscriptions', () => {
    jest.useFakeTimers();
    const e = engine({ unacquiredTimeout: 5 });
    const c = sink();
    e.acquire(e.authorize([{ dealer: 'AllTasks', query: null }]), c);
    jest.advanceTimersByTime(60_000);
    e.route([insert({ id: 1 })]);
    expect(c.got).toHaveLength(1);
    e.close();
  });

  it('lets only the owner cancel, and cancels everything of a gone client', () => {
    const e = engine();
    const owner = sink();
    const other = sink();
    const t1 = e.authorize([{ dealer: 'AllTasks', query: null }]);
    const t2 = e.authorize([{ dealer: 'AllTasks', query: null }]);
    expect(() => e.cancelByClient(t1, owner)).toThrow('No such subscription'); // not acquired yet
    e.acquire(t1, owner);
    e.acquire(t2, owner);
    expect(() => e.cancelByClient(t1, other)).toThrow('No such subscription');
    expect(() => e.cancelByClient(42, owner)).toThrow('token must be string');
    e.cancelByClient(t1, owner);
    expect(() => e.cancelByClient(t1, owner)).toThrow('No such subscription');
    e.route([insert({ id: 1 })]);
    expect(owner.got).toHaveLength(1); // only t2 left
    e.clientGone(owner);
    expect(e.subscriptions.size).toBe(0);
    e.route([insert({ id: 2 })]);
    expect(owner.got).toHaveLength(1);
  });

  it('gives up an unacquired subscription whose kept deltas overflow', () => {
    const e = engine({ maxBufferedDeltas: 3 });
    const token = e.authorize([{ dealer: 'AllTasks', query: null }]);
    e.route([1, 2, 3].map((id) => insert({ id })));
    expect(e.subscriptions.size).toBe(1);
    e.route([insert({ id: 4 })]);
    expect(e.subscriptions.size).toBe(0);
    expect(() => e.acquire(token, sink())).toThrow('No such subscription');
  });
});
