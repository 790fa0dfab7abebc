import { Injectable } from '@nestjs/common';
import { PubSubBackend, PubSubService, SnorkyService } from '@snorky/nest';
import { backendCall, RunningSnorkyApp, startSnorkyApp } from '../support/snorky-app';
import { Peer } from '../services/support/peer';

/** A journaled pub/sub on one node: resumable from its memory journal. */
@SnorkyService('journaled')
class JournaledPubSub extends PubSubService {
  constructor() {
    super({ delivery: 'journaled', positionInterval: 0.2 });
  }
}

@Injectable()
@SnorkyService('journaled_backend', { registry: 'backend' })
class JournaledBackend extends PubSubBackend {
  constructor(pubsub: JournaledPubSub) {
    super(pubsub);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** docs/protocol-notes.md "PubSub: resume", on the wire, one node. */
describe('PubSub resume (journaled delivery, one node)', () => {
  let server: RunningSnorkyApp;
  const peers: Peer[] = [];
  const open = async () => {
    const peer = await Peer.open(server.wsUrl);
    peers.push(peer);
    return peer;
  };
  const publish = (service: string, channel: unknown, message: unknown) => backendCall(server.backendUrl, `${service}_backend`, 'publish', { channel, message });

  beforeAll(async () => {
    server = await startSnorkyApp([JournaledPubSub, JournaledBackend, PubSubService, PubSubBackend]);
  });
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });
  afterAll(() => server.close());

  it('message frames carry their position; subscribe with resume replies the channel position', async () => {
    const alice = await open();
    const { position } = await alice.call('journaled', 'subscribe', { channel: { room: 1 }, resume: true });
    expect(position).toEqual({ epoch: expect.any(String), seq: expect.any(Number) });
    await publish('journaled', { room: 1 }, 'one');
    await publish('journaled', 'elsewhere', 'not for alice');
    await publish('journaled', { room: 1 }, 'two');
    expect(await alice.next('journaled')).toEqual({ type: 'message', channel: { room: 1 }, message: 'one', position: { epoch: position.epoch, seq: position.seq + 1 } });
    expect(await alice.next('journaled')).toEqual({ type: 'message', channel: { room: 1 }, message: 'two', position: { epoch: position.epoch, seq: position.seq + 3 } });
    // A subscriber without `resume` (an original client) gets the same frames; its reply stays null.
    const bob = await open();
    expect(await bob.call('journaled', 'subscribe', { channel: 'plain' })).toBeNull();
  });

  it('subscribe with a position sends what was published on the channel after it, in order, before the reply; then live', async () => {
    const alice = await open();
    const { position: start } = await alice.call('journaled', 'subscribe', { channel: 'r', resume: true });
    await alice.call('journaled', 'unsubscribe', { channel: 'r' });
    for (let i = 1; i <= 5; i++) {
      await publish('journaled', 'r', i);
      await publish('journaled', 'other', -i);
    }
    const bob = await open();
    const reply = await bob.call('journaled', 'subscribe', { channel: 'r', position: { epoch: start.epoch, seq: start.seq + 2 } });
    // Publication 1 was at seq+1 and is not sent again; 2..5 are, each once, before the reply.
    const beforeReply = bob.frames.slice(0, -1).map((f) => f.message);
    expect(beforeReply.map((m) => m.message)).toEqual([2, 3, 4, 5]);
    expect(beforeReply.map((m) => m.position.seq)).toEqual([3, 5, 7, 9].map((s) => start.seq + s));
    expect(reply).toEqual({ position: { epoch: start.epoch, seq: start.seq + 10 } });
    for (let i = 0; i < 4; i++) await bob.next('journaled');
    await publish('journaled', 'r', 6);
    expect(await bob.next('journaled')).toMatchObject({ message: 6, position: { seq: start.seq + 11 } });
  });

  it('publications made while the journal is read back come after it, once each', async () => {
    const alice = await open();
    const { position: start } = await alice.call('journaled', 'subscribe', { channel: 'race', resume: true });
    for (let i = 0; i < 200; i++) await publish('journaled', 'race', i);
    const bob = await open();
    const publishing = (async () => {
      for (let i = 200; i < 260; i++) await publish('journaled', 'race', i);
    })();
    await bob.call('journaled', 'subscribe', { channel: 'race', position: start });
    await publishing;
    await sleep(100);
    const got = bob.received.filter((f) => f.message.type === 'message').map((f) => f.message.message);
    expect(got).toEqual(Array.from({ length: 260 }, (_, i) => i));
  });

  it('a position of another epoch, or one never reached: subscribed, told channelLost before the reply', async () => {
    const alice = await open();
    const { position } = await alice.call('journaled', 'subscribe', { channel: 'x', resume: true });
    for (const stale of [{ epoch: 'before-a-restart', seq: 1 }, { epoch: position.epoch, seq: position.seq + 1000 }]) {
      const bob = await open();
      const reply = await bob.call('journaled', 'subscribe', { channel: { lost: true }, position: stale });
      expect(bob.frames.map((f) => f.message)).toEqual([{ type: 'channelLost', channel: { lost: true } }, { type: 'response', callId: 0, data: reply }]);
      expect(reply.position.epoch).toBe(position.epoch);
      await publish('journaled', { lost: true }, 'after');
      expect(await bob.next('journaled')).toEqual({ type: 'channelLost', channel: { lost: true } });
      expect(await bob.next('journaled')).toMatchObject({ type: 'message', message: 'after' });
    }
  });

  it.each([
    ['null', null],
    ['a string', 'e:1'],
    ['an extra key', { epoch: 'e', seq: 1, extra: true }],
    ['a __proto__ key', JSON.parse('{"epoch": "e", "seq": 1, "__proto__": {"seq": 2}}')],
    ['a negative seq', { epoch: 'e', seq: -1 }],
    ['a string seq', { epoch: 'e', seq: '1' }],
    ['no epoch', { seq: 1 }],
  ])('refuses a position that is %s (Invalid params, nothing subscribed)', async (_what, position) => {
    const alice = await open();
    expect(await alice.error('journaled', 'subscribe', { channel: 'v', position })).toBe('Invalid params');
    expect(await alice.error('journaled', 'subscribe', { channel: 'v', resume: 'yes' })).toBe('Invalid params');
    expect(await alice.call('journaled', 'subscribe', { channel: 'v' })).toBeNull();
  });

  it('sends a position notification now and then to resumable connections, whose channels were idle', async () => {
    const alice = await open();
    const { position } = await alice.call('journaled', 'subscribe', { channel: 'idle', resume: true });
    const plain = await open();
    await plain.call('journaled', 'subscribe', { channel: 'idle' });
    for (let i = 0; i < 3; i++) await publish('journaled', 'busy', i);
    expect(await alice.next('journaled', 2000)).toEqual({ type: 'position', position: { epoch: position.epoch, seq: position.seq + 3 } });
    // Only when it moved; never to a connection that did not ask to resume (an original client).
    await alice.quiet('journaled', 500);
    await plain.quiet('journaled', 10);
  });

  it('a best-effort service ignores position and resume (reply null, frames without position)', async () => {
    const alice = await open();
    expect(await alice.call('pubsub', 'subscribe', { channel: 'b', position: { epoch: 'e', seq: 3 }, resume: true })).toBeNull();
    await publish('pubsub', 'b', 'hi');
    expect(await alice.next('pubsub')).toEqual({ type: 'message', channel: 'b', message: 'hi' });
  });
});
