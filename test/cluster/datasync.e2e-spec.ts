import { StandaloneServer } from '../support/standalone-server';
import { TestSocket } from '../support/ws-client';
import { backend, backendOk, useTestCluster } from './support/cluster';

const insert = (id: number, owner = 'ann') => ({ type: 'insert', model: 'Task', data: { id, owner } });
const deltaFrame = (delta: unknown) => ({ service: 'datasync', message: { type: 'delta', delta } });

/** Three standalone servers on one dedicated Redis: DataSync behaves as one server (unacquiredTimeout 2 s). */
describe('cluster: DataSync across three nodes', () => {
  const cluster = useTestCluster();
  const { open } = cluster;
  const authorize = (node: StandaloneServer, items: unknown) => backendOk(node, 'datasync_backend', 'authorizeSubscription', { items }) as Promise<string>;
  const publish = (node: StandaloneServer, deltas: unknown[]) => backendOk(node, 'datasync_backend', 'publishDeltas', { deltas });
  /** Acquires and returns the deltas that came before the reply. */
  const acquire = async (s: TestSocket, token: string, callId: unknown = 'acq') => {
    s.send({ service: 'datasync', message: { command: 'acquireSubscription', params: { token }, callId } });
    const kept: unknown[] = [];
    for (;;) {
      const frame = await s.next(5000);
      if (frame.message.type === 'delta') kept.push(frame.message.delta);
      else return { reply: frame.message, kept };
    }
  };


  it('delivers deltas published on any node to subscriptions on every node', async () => {
    const subs = await Promise.all(cluster.nodes.map(open));
    for (const [i, s] of subs.entries()) {
      const { reply } = await acquire(s, await authorize(cluster.nodes[i], [{ dealer: 'TasksByOwner', query: 'bob' }]));
      expect(reply).toEqual({ type: 'response', callId: 'acq', data: null });
    }
    for (const [i, node] of cluster.nodes.entries()) await publish(node, [insert(100 + i, 'bob'), insert(200 + i, 'carol')]);
    for (const s of subs) {
      for (let i = 0; i < 3; i++) expect(await s.next()).toEqual(deltaFrame(insert(100 + i, 'bob')));
    }
    await Promise.all(subs.map((s) => s.expectSilence(100)));
  });

  it('acquires on node B a token authorized on node A, with the deltas published anywhere meanwhile first, in order', async () => {
    const token = await authorize(cluster.nodes[0], [{ dealer: 'TasksByOwner', query: 'dave' }]);
    await publish(cluster.nodes[0], [insert(1, 'dave')]);
    await publish(cluster.nodes[2], [insert(2, 'erin'), insert(3, 'dave')]);
    await publish(cluster.nodes[1], [insert(4, 'dave')]);
    const browser = await open(cluster.nodes[1]);
    const { reply, kept } = await acquire(browser, token);
    expect(reply).toEqual({ type: 'response', callId: 'acq', data: null });
    expect(kept).toEqual([insert(1, 'dave'), insert(3, 'dave'), insert(4, 'dave')]);
    await publish(cluster.nodes[2], [insert(5, 'dave')]);
    expect(await browser.next()).toEqual(deltaFrame(insert(5, 'dave')));
    // the acquiring node owns it now: cancel there, then nothing more arrives
    expect((await browser.call('datasync', 'cancelSubscription', { token }, 'c')).message).toEqual({ type: 'response', callId: 'c', data: null });
    await publish(cluster.nodes[0], [insert(6, 'dave')]);
    await browser.expectSilence(150);
  });

  it('loses nothing and duplicates nothing while three nodes publish during the handoff', async () => {
    // a reference subscriber, acquired before anything: it sees the one order every node routes in
    const reference = await open(cluster.nodes[0]);
    await acquire(reference, await authorize(cluster.nodes[0], [{ dealer: 'AllTasks', query: null }]));
    let next = 1000;
    let running = true;
    const publishedAfter: number[] = [];
    let authorizedAt = Infinity;
    const publisher = async (node: StandaloneServer) => {
      while (running) {
        const id = next++;
        // a publication that starts after the token was returned must reach the new subscriber
        if (Date.now() > authorizedAt) publishedAfter.push(id);
        await publish(node, [insert(id, 'x')]);
      }
    };
    const publishers = cluster.nodes.map(publisher);
    await new Promise((r) => setTimeout(r, 100));
    const token = await authorize(cluster.nodes[1], [{ dealer: 'AllTasks', query: null }]);
    authorizedAt = Date.now();
    await new Promise((r) => setTimeout(r, 150));
    const browser = await open(cluster.nodes[2]);
    const { reply, kept } = await acquire(browser, token);
    expect(reply.type).toBe('response');
    await new Promise((r) => setTimeout(r, 100));
    running = false;
    await Promise.all(publishers);
    const total = next - 1000;
    const idOf = async (s: TestSocket) => (await s.next(5000)).message.delta.data.id as number;

    const all: number[] = [];
    while (all.length < total) all.push(await idOf(reference));
    expect(new Set(all).size).toBe(total);
    const got = kept.map((d: any) => d.data.id as number);
    if (got.length === 0) got.push(await idOf(browser));
    const start = all.indexOf(got[0]);
    expect(start).toBeGreaterThanOrEqual(0);
    while (got.length < total - start) got.push(await idOf(browser));
    // the browser's deltas are exactly a tail of the reference order: no gap, no duplicate, no reordering
    expect(got).toEqual(all.slice(start));
    await browser.expectSilence(100);
    // and that tail holds every delta published after the token was returned
    for (const id of publishedAfter) expect(got).toContain(id);
    expect(kept.length).toBeGreaterThan(0);
    expect(got.length).toBeGreaterThan(kept.length);
  });

  it('lets a token be acquired once in the whole cluster', async () => {
    for (let round = 0; round < 5; round++) {
      const token = await authorize(cluster.nodes[round % 3], [{ dealer: 'AllTasks', query: null }]);
      const contenders = await Promise.all(cluster.nodes.map(open));
      const results = await Promise.all(contenders.map((s) => acquire(s, token)));
      const replies = results.map((r) => r.reply);
      expect(replies.filter((r) => r.type === 'response')).toHaveLength(1);
      expect(replies.filter((r) => r.type === 'error').map((r) => r.message)).toEqual(['No such subscription', 'No such subscription']);
    }
  });

  it('expires an unacquired token everywhere after the timeout', async () => {
    const token = await authorize(cluster.nodes[0], [{ dealer: 'AllTasks', query: null }]);
    const fresh = await authorize(cluster.nodes[0], [{ dealer: 'AllTasks', query: null }]);
    await new Promise((r) => setTimeout(r, 2300));
    for (const node of cluster.nodes) {
      const { reply } = await acquire(await open(node), token);
      expect(reply).toEqual({ type: 'error', callId: 'acq', message: 'No such subscription' });
    }
    const another = await authorize(cluster.nodes[2], [{ dealer: 'AllTasks', query: null }]);
    expect((await acquire(await open(cluster.nodes[1]), another)).reply.type).toBe('response');
    expect((await acquire(await open(cluster.nodes[1]), fresh)).reply.message).toBe('No such subscription');
  });

  it('keeps the protocol errors on every node', async () => {
    const s = await open(cluster.nodes[2]);
    expect((await acquire(s, 42 as any)).reply).toEqual({ type: 'error', callId: 'acq', message: 'token must be string' });
    expect((await acquire(s, 'no-such-token')).reply).toEqual({ type: 'error', callId: 'acq', message: 'No such subscription' });
    const res = await backend(cluster.nodes[1], 'datasync_backend', 'authorizeSubscription', { items: [{ dealer: 'Nope', query: 1 }] });
    expect(res.message).toEqual({ type: 'error', message: 'No such dealer' });
    const bad = await backend(cluster.nodes[1], 'datasync_backend', 'publishDeltas', { deltas: [insert(1), { type: 'nope', model: 'Task', data: {} }] });
    expect(bad.message).toEqual({ type: 'error', message: 'Invalid delta type' });
  });
});
