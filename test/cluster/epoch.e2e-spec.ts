import Redis from 'ioredis';
import { StandaloneServer } from '../support/standalone-server';
import { TestSocket } from '../support/ws-client';
import { backend, backendOk, eventually, startNodes, useTestCluster } from './support/cluster';

const RESTARTS = 6;
const PUBLISHERS = 4;
/** Publications acknowledged between two restarts before the next one (the journal has moved on). */
const ACKS_BETWEEN_RESTARTS = 60;

const insert = (id: number) => ({ type: 'insert', model: 'Task', data: { id, owner: 'ann' } });

/**
 * Issue 12 item 4: a Redis that restarts empty must start a new journal epoch every time. With an
 * epoch candidate reused per process, Redis came back with the epoch it had before while sequence
 * numbers restarted at 1, and every node dropped the new batches as already seen.
 */
describe('cluster: journal epoch across Redis restarts', () => {
  const cluster = useTestCluster((url) => startNodes(url, 2));

  const subscribe = async (node: StandaloneServer): Promise<TestSocket> => {
    const token = await backendOk(node, 'datasync_backend', 'authorizeSubscription', { items: [{ dealer: 'AllTasks', query: null }] });
    const socket = await cluster.open(node);
    expect((await socket.call('datasync', 'acquireSubscription', { token }, 1)).message).toEqual({ type: 'response', callId: 1, data: null });
    return socket;
  };

  it(`delivers every acknowledged delta on every node through ${RESTARTS} restarts under load`, async () => {
    const subscribers = await Promise.all(cluster.nodes.map(subscribe));
    const acked = new Set<number>();
    const ackedAt = new Map<number, number>();
    const stops: [number, number][] = [];
    let nextId = 1;
    let refused = 0;
    let running = true;
    const publisher = async (k: number) => {
      for (let i = k; running; i++) {
        const id = nextId++;
        const res = await backend(cluster.nodes[i % cluster.nodes.length], 'datasync_backend', 'publishDeltas', { deltas: [insert(id)] }).catch(() => undefined);
        if (res?.status === 200) {
          acked.add(id);
          ackedAt.set(id, Date.now());
        }
        else {
          refused++;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const load = Promise.all(Array.from({ length: PUBLISHERS }, (_, k) => publisher(k)));
    const ackedSince = async (count: number) => {
      const from = acked.size;
      await eventually(async () => expect(acked.size - from).toBeGreaterThanOrEqual(count), 15_000, 20);
    };
    try {
      for (let r = 0; r < RESTARTS; r++) {
        await ackedSince(ACKS_BETWEEN_RESTARTS);
        const stopAt = Date.now();
        await cluster.redis.stop();
        stops.push([stopAt, Date.now()]);
        await cluster.redis.restart();
      }
      await ackedSince(ACKS_BETWEEN_RESTARTS);
    } finally {
      running = false;
      await load;
    }

    const received = (s: TestSocket) => s.frames.filter((f) => f.message?.type === 'delta').map((f) => f.message.delta.data.id as number);
    for (const s of subscribers) {
      await eventually(async () => {
        const got = new Set(received(s));
        // Known gap until views are told they are stale (issue 12, item 2): a delta acknowledged in the
        // instant before Redis dies, whose publication never left Redis, is lost with the journal. The
        // epoch bug lost hundreds acknowledged after the restart; those still fail here.
        const inKillWindow = (id: number) => stops.some(([from, to]) => ackedAt.get(id)! >= from - 100 && ackedAt.get(id)! <= to);
        const missing = [...acked].filter((id) => !got.has(id) && !inKillWindow(id));
        const lostAtKill = [...acked].filter((id) => !got.has(id) && inKillWindow(id));
        expect({ missing: missing.length, of: acked.size }).toEqual({ missing: 0, of: acked.size });
        expect(lostAtKill.length).toBeLessThanOrEqual(RESTARTS * PUBLISHERS);
      }, 10_000);
      const ids = received(s);
      expect(ids.length).toBe(new Set(ids).size); // nothing twice
    }
    // the figures for docs and the issue note
    console.info(`epoch test: ${acked.size} deltas acknowledged and delivered to ${subscribers.length} nodes across ${RESTARTS} Redis restarts (${refused} publications refused while Redis was down)`);
    for (const node of cluster.nodes) expect(node.output()).toMatch(/journal of datasync:datasync started over/);
  });

  it('starts a new epoch when Redis is flushed, or holds a journal written under another Redis run (a failover)', async () => {
    const subscribers = await Promise.all(cluster.nodes.map(subscribe));
    const redis = new Redis(cluster.redis.url);
    const meta = 'snorky:jm:datasync:datasync';
    const epochs: string[] = [];
    try {
      let id = 100_000;
      const publishAndSee = async () => {
        const sent = ++id;
        await backendOk(cluster.nodes[sent % 2], 'datasync_backend', 'publishDeltas', { deltas: [insert(sent)] });
        for (const s of subscribers) {
          await eventually(async () => expect(s.frames.some((f) => f.message?.delta?.data?.id === sent)).toBe(true), 5000, 20);
        }
        epochs.push((await redis.hget(meta, 'epoch'))!);
      };
      for (let i = 0; i < 3; i++) await publishAndSee();
      await redis.flushall();
      for (let i = 0; i < 3; i++) await publishAndSee();
      // a replica promoted after a failover holds the former master's journal, run id included
      await redis.hset(meta, 'run', 'f'.repeat(40));
      for (let i = 0; i < 3; i++) await publishAndSee();
    } finally {
      redis.disconnect();
    }
    expect(new Set(epochs.slice(0, 3)).size).toBe(1);
    expect(new Set(epochs).size).toBe(3); // one epoch per history
  });
});

