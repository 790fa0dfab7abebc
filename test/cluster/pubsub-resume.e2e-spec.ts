/**
 * Issue 12: a client of a journaled PubSub service whose connection the server dropped resumes its
 * channels — every publication it missed arrives once, in order, whether it reconnects to the same
 * node or (cluster) to another one. Beyond the journal's retention, or after the journal started over,
 * it is told `channelLost`. Best-effort services behave as before: what was published while the
 * client was away is missed, and nobody says so.
 */
import { PubSub, Snorky } from '@snorky/client';
import WebSocket from 'ws';
import { labelValues, operationsUrl, sample } from '../support/prometheus';
import { startStandaloneServer, StandaloneServer } from '../support/standalone-server';
import { Peer } from '../services/support/peer';
import { eventually, stopNodes } from './support/cluster';
import { startPublishers } from './support/pubsub-watch';
import { RedisProcess } from './support/redis-process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SERVICES = [
  { type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend', delivery: 'journaled' },
  // Kept half a second: a client away for longer has missed publications for good.
  { type: 'pubsub', name: 'brief', backend: 'brief_backend', delivery: 'journaled', journalRetention: 0.5, positionInterval: 0.1 },
  { type: 'pubsub', name: 'plain', backend: 'plain_backend' },
];
/** The server drops a connection that did not answer its last ping within a second. */
const FRONTEND = { pingInterval: 1 };

type Services = { pubsub: typeof PubSub; brief: typeof PubSub; plain: typeof PubSub };
type ServiceName = keyof Services;
interface Received {
  channel: unknown;
  n: number;
  position?: { epoch: string; seq: number };
}

async function openConnections(node: StandaloneServer): Promise<number> {
  const text = await (await fetch(operationsUrl(node.backendUrl, '/metrics'))).text();
  return labelValues(text, 'snorky_connections', 'transport').reduce((sum, transport) => sum + (sample(text, 'snorky_connections', { transport }) ?? 0), 0);
}

/** Our client SDK on one connection the test can have the server drop. */
class DroppableSubscriber {
  readonly snorky: Snorky<Services>;
  /** Every message frame as it came off the wire (before the SDK drops any duplicate), per service. */
  readonly wire: Record<ServiceName, Received[]> = { pubsub: [], brief: [], plain: [] };
  /** What the app saw (messagePublished), per service. */
  readonly received: Record<ServiceName, Received[]> = { pubsub: [], brief: [], plain: [] };
  readonly lost: Record<ServiceName, unknown[]> = { pubsub: [], brief: [], plain: [] };
  readonly disconnects: number[] = [];
  private socket: WebSocket | undefined;

  constructor(private url: string) {
    const self = this;
    class DroppableSocket extends WebSocket {
      constructor(_address: string) {
        super(self.url);
        self.socket = this;
      }
    }
    this.snorky = new Snorky('ws://dropped-by-the-test', { pubsub: PubSub, brief: PubSub, plain: PubSub }, {
      socketClass: DroppableSocket as any,
      reconnect: { initialDelay: 50, maxDelay: 400, factor: 2, jitter: 0.5, restartWindow: 200 },
    });
    for (const name of ['pubsub', 'brief', 'plain'] as const) {
      const service = this.snorky.services[name];
      const record = (list: Received[]) => (m: any) => list.push({ channel: m.channel, n: m.message.n, ...(m.position ? { position: m.position } : {}) });
      service.notificationReceived.add((m) => m.type === 'message' && record(this.wire[name])(m));
      service.messagePublished.add(record(this.received[name]));
      service.channelLost.add(({ channel }) => this.lost[name].push(channel));
    }
    this.snorky.disconnected.add(() => this.disconnects.push(Date.now()));
  }

  /**
   * The socket stops reading, so it answers no ping: the server drops the connection (terminate).
   * Once it has, `whileAway` runs, then the socket reads again, sees the connection gone, and the SDK
   * reconnects to `nextUrl` and resubscribes. Resolves when every service restored its channels.
   */
  async dropBy(node: StandaloneServer, nextUrl: string, whileAway: () => Promise<unknown> = async () => undefined): Promise<void> {
    const socket = this.socket as unknown as { _socket: { pause(): void; resume(): void } };
    const restored = (['pubsub', 'brief', 'plain'] as const)
      .filter((name) => this.snorky.services[name].subscribedChannels.length > 0)
      .map((name) => new Promise((resolve) => this.snorky.services[name].subscriptionsRestored.addOnce(resolve)));
    socket._socket.pause();
    await eventually(async () => expect(await openConnections(node)).toBe(0), 10_000, 100);
    await whileAway();
    this.url = nextUrl;
    socket._socket.resume();
    await Promise.all(restored);
  }
}

const ns = (list: Received[]) => list.map((r) => r.n);

describe.each([
  ['one node', 1],
  ['two nodes on Redis, reconnecting to the other node', 2],
] as const)('journaled PubSub resume, %s', (_label, nodeCount) => {
  let redis: RedisProcess | undefined;
  let nodes: StandaloneServer[] = [];
  const subscribers: DroppableSubscriber[] = [];
  /** Where publications are made and where the subscriber reconnects; `home` is where it starts. */
  const other = () => nodes[0];
  const home = () => nodes[nodes.length - 1];

  beforeAll(async () => {
    if (nodeCount === 2) redis = await RedisProcess.start();
    const cluster = redis ? { cluster: { redis: redis.url } } : {};
    nodes = await Promise.all(Array.from({ length: nodeCount }, () => startStandaloneServer({ ...cluster, frontend: FRONTEND, services: SERVICES })));
  }, 60_000);
  afterEach(() => {
    subscribers.splice(0).forEach((s) => s.snorky.disconnect());
  });
  afterAll(async () => {
    await stopNodes(nodes);
    await redis?.stop();
  });

  function subscriber(): DroppableSubscriber {
    const s = new DroppableSubscriber(home().frontendUrl);
    subscribers.push(s);
    return s;
  }

  it('a client the server dropped while publications went on gets every one it missed, once, in order; beyond retention it is told; best-effort misses them', async () => {
    const sub = subscriber();
    await sub.snorky.services.pubsub.subscribe({ channel: 'resume' });
    await sub.snorky.services.brief.subscribe({ channel: 'brief' });
    await sub.snorky.services.plain.subscribe({ channel: 'plain' });
    const publishers = {
      pubsub: startPublishers(other, 'resume', 1, 0, 2, 'pubsub_backend'),
      brief: startPublishers(other, 'brief', 1, 0, 2, 'brief_backend'),
      plain: startPublishers(other, 'plain', 1, 0, 2, 'plain_backend'),
    };
    await sleep(300);
    const droppedAt = Date.now();
    // Away a second after the server dropped it: longer than 'brief' keeps its publications.
    await sub.dropBy(home(), other().frontendUrl, () => sleep(1000));
    const restoredAt = Date.now();
    await sleep(500);
    await Promise.all(Object.values(publishers).map((p) => p.stop()));
    const answered = publishers.pubsub.answered.map((p) => p.n);
    await eventually(async () => expect(ns(sub.wire.pubsub)).toEqual(answered), 10_000);
    await sleep(200);

    // Journaled, kept long enough: every publication, once each, in order, with rising positions; nobody told.
    expect(sub.disconnects).toHaveLength(1);
    expect(ns(sub.wire.pubsub)).toEqual(answered);
    expect(ns(sub.received.pubsub)).toEqual(answered);
    const seqs = sub.wire.pubsub.map((r) => r.position!.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(sub.wire.pubsub.map((r) => r.position!.epoch)).size).toBe(1);
    expect(sub.lost.pubsub).toEqual([]);
    const missedWhileAway = publishers.pubsub.answered.filter((p) => p.sentAt > droppedAt && p.sentAt < restoredAt - 100);
    expect(missedWhileAway.length).toBeGreaterThan(20);

    // Journaled, kept half a second: told once; everything after the resubscription arrives, once each.
    expect(sub.lost.brief).toEqual(['brief']);
    const brief = ns(sub.wire.brief);
    expect(new Set(brief).size).toBe(brief.length);
    expect(brief).toEqual([...brief].sort((a, b) => a - b));
    expect(brief.length).toBeLessThan(publishers.brief.answered.length);
    const briefAfter = publishers.brief.answered.filter((p) => p.sentAt > restoredAt).map((p) => p.n);
    expect(briefAfter.length).toBeGreaterThan(10);
    expect(briefAfter.filter((n) => !brief.includes(n))).toEqual([]);

    // Best-effort: as before — what was published while away is missed, nobody is told, frames carry no position.
    const plain = ns(sub.wire.plain);
    expect(sub.lost.plain).toEqual([]);
    expect(publishers.plain.answered.filter((p) => p.sentAt > droppedAt + 1000 && p.sentAt < restoredAt - 200 && !plain.includes(p.n)).length).toBeGreaterThan(0);
    const plainAfter = publishers.plain.answered.filter((p) => p.sentAt > restoredAt).map((p) => p.n);
    expect(plainAfter.filter((n) => !plain.includes(n))).toEqual([]);
    expect(sub.wire.plain.every((r) => r.position === undefined)).toBe(true);
  }, 60_000);

  it('a long read-back (megabytes of journal): publications made meanwhile come after it, each once', async () => {
    const first = await Peer.open(home().frontendUrl);
    const { position } = await first.call('pubsub', 'subscribe', { channel: 'long', resume: true });
    await first.close();
    const backlog = startPublishers(other, 'long', 8, 2048, 0, 'pubsub_backend');
    await eventually(async () => expect(backlog.answered.length).toBeGreaterThan(3000), 30_000, 20);
    await backlog.stop();
    // Told apart from the backlog's (both count from 0) by their size.
    const live = startPublishers(other, 'long', 4, 2047, 0, 'pubsub_backend');
    await sleep(50);
    const peer = await Peer.open(home().frontendUrl);
    try {
      const resumeStarted = Date.now();
      await peer.call('pubsub', 'subscribe', { channel: 'long', position });
      console.log(`${_label}: resumed over ${backlog.answered.length} publications (${backlog.answered.length * 2} KiB) in ${Date.now() - resumeStarted} ms`);
      await sleep(200);
      await live.stop();
      const all = [...backlog.answered.map((p) => `b${p.n}`), ...live.answered.map((p) => `l${p.n}`)];
      const got = () => peer.received.filter((f) => f.service === 'pubsub' && f.message.type === 'message');
      await eventually(async () => expect(got().length).toBeGreaterThanOrEqual(all.length), 10_000);
      await sleep(200);
      const ids = got().map((f) => `${f.message.message.pad.length === 2048 ? 'b' : 'l'}${f.message.message.n}`);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...all].sort());
      const seqs = got().map((f) => f.message.position.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(live.answered.length).toBeGreaterThan(20);
    } finally {
      await peer.close();
    }
  }, 60_000);

  it('an idle channel resumes after many publications on others (position notifications), beyond the retention of its last message', async () => {
    const sub = subscriber();
    await sub.snorky.services.brief.subscribe({ channel: 'idle' });
    const subscribedAt = sub.snorky.services.brief.positionOf('idle')!;
    const busy = startPublishers(other, 'busy', 1, 0, 2, 'brief_backend');
    await sleep(1200);
    await busy.stop();
    await sleep(400);
    // The position notifications moved the idle channel's position past everything published on 'busy'.
    expect(sub.snorky.services.brief.positionOf('idle')!.seq).toBeGreaterThan(subscribedAt.seq + busy.answered.length - 1);
    await sub.dropBy(home(), other().frontendUrl, async () => {
      // Over half a second after 'busy' stopped: this publication drops every 'busy' one from the journal.
      await startPublishers(other, 'idle', 1, 0, 0, 'brief_backend').stop();
    });
    await eventually(async () => expect(ns(sub.received.brief)).toHaveLength(1), 5000);
    await sleep(200);
    expect(sub.lost.brief).toEqual([]);
    expect(sub.wire.brief).toHaveLength(1);
    expect(sub.disconnects).toHaveLength(1);
  }, 30_000);
});

describe('journaled PubSub resume, one node restarted', () => {
  let node: StandaloneServer | undefined;
  afterAll(() => node?.stop());

  it('resuming on a restarted node (its memory journal started over) subscribes again and tells channelLost', async () => {
    node = await startStandaloneServer({ frontend: FRONTEND, services: SERVICES });
    const sub = new DroppableSubscriber(node.frontendUrl);
    try {
      await sub.snorky.services.pubsub.subscribe({ channel: 'r' });
      // The node's successor (a new process, a new memory journal) takes over its clients.
      const first = node;
      node = await startStandaloneServer({ frontend: FRONTEND, services: SERVICES });
      await sub.dropBy(first, node.frontendUrl);
      await first.stop();
      expect(sub.lost.pubsub).toEqual(['r']);
      await startPublishers(() => node, 'r', 1, 0, 0, 'pubsub_backend').stop();
      await eventually(async () => expect(sub.received.pubsub.length).toBeGreaterThan(0), 5000);
    } finally {
      sub.snorky.disconnect();
    }
  }, 40_000);
});
