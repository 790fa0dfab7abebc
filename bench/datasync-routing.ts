// Internals of @snorky/nest (not exported by the package), imported from its sources.
import { batchFramePrefix } from '../libs/snorky/src/services/datasync/batch-encoder';
import { DataSyncEngine } from '../libs/snorky/src/services/datasync/datasync-engine';
import { FilterDealer } from '../libs/snorky/src/services/datasync/dealers/filter.dealer';
import { SimpleDealer } from '../libs/snorky/src/services/datasync/dealers/simple.dealer';
import { NaiveFilterMatcher, ScanFilterMatcher } from '../libs/snorky/src/services/datasync/filter/filter-index';
import { Delta } from '../libs/snorky/src/services/datasync/delta';
import { SubscriptionItem } from '../libs/snorky/src/services/datasync/subscription';

/** The filter dealer as the original did it: every raw filter interpreted against every object. */
class NaiveTasks extends FilterDealer {
  model = 'Task';
  protected override readonly matcher = new NaiveFilterMatcher<SubscriptionItem>();
}
/** Every filter tested, but compiled once: isolates what the index alone gains. */
class ScanTasks extends FilterDealer {
  model = 'Task';
  protected override readonly matcher = new ScanFilterMatcher<SubscriptionItem>();
}
class IndexedTasks extends FilterDealer {
  model = 'Task';
}
class TasksByOwner extends SimpleDealer {
  model = 'Task';
  key = 'owner';
}

export const encodeDelta = (delta: Delta) => JSON.stringify({ service: 'datasync', message: { type: 'delta', delta } });

function hr(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export interface RoutingResult {
  equalitySubscriptions: number;
  scanSubscriptions: number;
  naiveMs: number;
  scanMs: number;
  indexedMs: number;
  ratio: number;
  scanRatio: number;
  delivered: { naive: number; scan: number; indexed: number };
}

/**
 * 100 000 subscriptions with an equality filter (half a bare `owner == i`, half
 * `owner == i and done == false`, dotted fields among them) plus 1 000 filters that cannot be
 * indexed; one update delta at a time is routed through the full engine (matching, update table,
 * encoding, delivery), once with the naive dealer and once with the indexed one, same data.
 */
export function routingBench(equality = 100_000, scanOnly = 1_000, rounds = 50): RoutingResult {
  const counters = { naive: 0, scan: 0, indexed: 0 };
  const build = (dealer: FilterDealer, which: keyof typeof counters) => {
    const engine = new DataSyncEngine({ encode: encodeDelta, unacquiredTimeout: 3600 });
    engine.registerDealer(dealer, 'Tasks');
    const sinkOf = { send: () => void counters[which]++ };
    for (let i = 0; i < equality; i++) {
      const query =
        i % 4 === 0
          ? ['==', 'owner', i]
          : i % 4 === 1
            ? ['and', ['==', 'owner', i], ['==', 'done', false]]
            : i % 4 === 2
              ? ['==', 'project.id', i]
              : ['and', ['>=', 'priority', 1], ['==', 'project.id', i]];
      engine.acquire(engine.authorize([{ dealer: 'Tasks', query }]), sinkOf);
    }
    for (let i = 0; i < scanOnly; i++) {
      const query = i % 2 ? ['>', 'priority', 1000 + i] : ['or', ['==', 'owner', -i - 1], ['==', 'title', `t${i}`]];
      engine.acquire(engine.authorize([{ dealer: 'Tasks', query }]), sinkOf);
    }
    return engine;
  };
  const naive = build(new NaiveTasks(), 'naive');
  const scan = build(new ScanTasks(), 'scan');
  const indexed = build(new IndexedTasks(), 'indexed');

  const delta = (n: number): Delta => {
    const owner = (n * 7919) % equality;
    return {
      type: 'update',
      model: 'Task',
      oldData: { id: n, owner, done: false, priority: 2, project: { id: owner + 2 }, title: 'x' },
      newData: { id: n, owner, done: true, priority: 3, project: { id: owner + 2 }, title: 'y' },
    };
  };
  // warm up both paths so the JIT has compiled them
  for (let n = 0; n < 5; n++) for (const engine of [naive, scan, indexed]) engine.route([delta(n)]);
  counters.naive = counters.scan = counters.indexed = 0;
  const times = { naive: [] as number[], scan: [] as number[], indexed: [] as number[] };
  for (let n = 0; n < rounds; n++) {
    const d = delta(n + 100);
    for (const [which, engine] of [['naive', naive], ['scan', scan], ['indexed', indexed]] as const) {
      const t = hr();
      engine.route([d]);
      times[which].push(hr() - t);
    }
  }
  if (counters.naive !== counters.indexed || counters.scan !== counters.indexed) {
    throw new Error(`deliveries differ (naive ${counters.naive}, scan ${counters.scan}, indexed ${counters.indexed}): they must agree`);
  }
  for (const engine of [naive, scan, indexed]) engine.close();
  const naiveMs = median(times.naive);
  const scanMs = median(times.scan);
  const indexedMs = median(times.indexed);
  return {
    equalitySubscriptions: equality,
    scanSubscriptions: scanOnly,
    naiveMs,
    scanMs,
    indexedMs,
    ratio: naiveMs / indexedMs,
    scanRatio: scanMs / indexedMs,
    delivered: counters,
  };
}

/**
 * Fan-out inside the engine only (no sockets): one delta to `n` simple-dealer subscriptions, acquired
 * by original clients (a `delta` frame shared by all) or resumable (a `deltas` frame per subscription:
 * its own prefix + the batch's shared tail). Rounds alternate between the two.
 */
export function engineFanoutBench(n = 10_000, rounds = 20): { ms: number; resumableMs: number; delivered: number } {
  const engines = [false, true].map((resumable) => {
    const engine = new DataSyncEngine({ encode: encodeDelta, unacquiredTimeout: 3600 });
    engine.registerDealer(new TasksByOwner());
    const sink = { delivered: 0, send: (frame: string | Buffer) => void (sink.delivered += frame.length > 0 ? 1 : 0) };
    for (let i = 0; i < n; i++) {
      const token = engine.authorize([{ dealer: 'TasksByOwner', query: 'alice' }]);
      engine.acquire(token, sink, resumable ? batchFramePrefix('datasync', token) : undefined);
    }
    return { engine, sink, times: [] as number[] };
  });
  for (let r = 0; r < rounds; r++) {
    for (const e of r % 2 ? [...engines].reverse() : engines) {
      const t = hr();
      e.engine.route([{ type: 'insert', model: 'Task', data: { id: r, owner: 'alice', title: 'hello' } }], { epoch: 'bench', seq: r + 1 });
      e.times.push(hr() - t);
    }
  }
  for (const e of engines) e.engine.close();
  return { ms: median(engines[0].times), resumableMs: median(engines[1].times), delivered: engines[0].sink.delivered / rounds };
}
