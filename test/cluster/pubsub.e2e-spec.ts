import { TestSocket } from '../support/ws-client';
import { backendOk, useTestCluster } from './support/cluster';

const msg = (channel: unknown, message: unknown) => ({ service: 'pubsub', message: { type: 'message', channel, message } });

/** Three standalone servers on one dedicated Redis: pub/sub behaves as one server. */
describe('cluster: PubSub across three nodes', () => {
  const cluster = useTestCluster();
  const { open } = cluster;
  const subscribe = async (s: TestSocket, channel: unknown) =>
    expect((await s.call('pubsub', 'subscribe', { channel }, 'sub')).message).toEqual({ type: 'response', callId: 'sub', data: null });


  it('delivers a publication from any node, frontend or backend, to subscribers on every node', async () => {
    const subs = await Promise.all(cluster.nodes.map(open));
    for (const s of subs) await subscribe(s, { room: 1, floor: 'a' });
    // a channel is compared by value: key order does not matter across nodes either
    const publisher = await open(cluster.nodes[1]);
    expect((await publisher.call('pubsub', 'publish', { channel: { floor: 'a', room: 1 }, message: 'hello' }, 0)).message.type).toBe('response');
    for (const s of subs) expect(await s.next()).toEqual(msg({ floor: 'a', room: 1 }, 'hello'));
    await backendOk(cluster.nodes[2], 'pubsub_backend', 'publish', { channel: { room: 1, floor: 'a' }, message: 'from the backend' });
    for (const s of subs) expect(await s.next()).toEqual(msg({ room: 1, floor: 'a' }, 'from the backend'));
    await Promise.all([...subs, publisher].map((s) => s.expectSilence(100)));
  });

  it('keeps each publisher\'s order on every node (frontend and backend publishers at once)', async () => {
    const subs = await Promise.all(cluster.nodes.map(open));
    for (const s of subs) await subscribe(s, 'ordered');
    const browser = await open(cluster.nodes[0]);
    const N = 300;
    // the browser fires all its publications without waiting for replies
    for (let i = 0; i < N; i++) browser.send({ service: 'pubsub', message: { command: 'publish', params: { channel: 'ordered', message: { from: 'browser', i } } } });
    // meanwhile a backend publishes sequentially through another node
    for (let i = 0; i < 50; i++) await backendOk(cluster.nodes[2], 'pubsub_backend', 'publish', { channel: 'ordered', message: { from: 'backend', i } });
    for (const s of subs) {
      const seen: Record<string, number[]> = { browser: [], backend: [] };
      for (let k = 0; k < N + 50; k++) {
        const frame = await s.next(5000);
        seen[frame.message.message.from].push(frame.message.message.i);
      }
      expect(seen.browser).toEqual([...Array(N).keys()]);
      expect(seen.backend).toEqual([...Array(50).keys()]);
    }
  });

  it('answers subscribe only once publications from every node reach the subscriber', async () => {
    const publisher = await open(cluster.nodes[0]);
    for (let round = 0; round < 20; round++) {
      const s = await open(cluster.nodes[1 + (round % 2)]);
      await subscribe(s, `fresh-${round}`);
      // published from another node right after the reply: must not be lost
      await publisher.call('pubsub', 'publish', { channel: `fresh-${round}`, message: round }, round);
      expect(await s.next()).toEqual(msg(`fresh-${round}`, round));
      await s.close();
    }
  });

  it('stops delivering after unsubscribe or disconnect, on that node only', async () => {
    const [a, b, c] = await Promise.all(cluster.nodes.map(open));
    for (const s of [a, b, c]) await subscribe(s, 'leaving');
    expect((await b.call('pubsub', 'unsubscribe', { channel: 'leaving' }, 1)).message).toEqual({ type: 'response', callId: 1, data: null });
    await c.close();
    await backendOk(cluster.nodes[0], 'pubsub_backend', 'publish', { channel: 'leaving', message: 'bye' });
    expect(await a.next()).toEqual(msg('leaving', 'bye'));
    await b.expectSilence(200);
  });

  it('survives a node dying: only that node\'s connections are lost', async () => {
    const [a, b, c] = await Promise.all(cluster.nodes.map(open));
    for (const s of [a, b, c]) await subscribe(s, 'survivors');
    const closed = new Promise((resolve) => c.ws.once('close', resolve));
    await cluster.nodes[2].stop('SIGKILL');
    await closed;
    await backendOk(cluster.nodes[1], 'pubsub_backend', 'publish', { channel: 'survivors', message: 'still here' });
    expect(await a.next()).toEqual(msg('survivors', 'still here'));
    expect(await b.next()).toEqual(msg('survivors', 'still here'));
    const late = await open(cluster.nodes[0]);
    await subscribe(late, 'survivors');
    await b.call('pubsub', 'publish', { channel: 'survivors', message: 'again' }, 2);
    expect(await late.next()).toEqual(msg('survivors', 'again'));
  });
});
