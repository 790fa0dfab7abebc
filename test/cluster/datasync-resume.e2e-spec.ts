import { StandaloneServer } from '../support/standalone-server';
import { TestSocket } from '../support/ws-client';
import { backendOk, eventually, useTestCluster } from './support/cluster';

const insert = (id: number, owner = 'ann') => ({ type: 'insert', model: 'Task', data: { id, owner } });

/**
 * Resuming DataSync subscriptions across the nodes of a cluster (docs/protocol-notes.md, "Resume"):
 * the journal and the resume records are Redis's, so a client whose node died resumes on another,
 * exactly once and in order — under load too; and after Redis lost its data it is told to refetch.
 */
describe('cluster: DataSync resume across nodes', () => {
  const cluster = useTestCluster();
  const authorize = (node: StandaloneServer, items: unknown) => backendOk(node, 'datasync_backend', 'authorizeSubscription', { items }) as Promise<string>;
  const publish = (node: StandaloneServer, deltas: unknown[]) => backendOk(node, 'datasync_backend', 'publishDeltas', { deltas });

  /** Sends a command and collects the `deltas` frames before its reply. */
  const command = async (s: TestSocket, name: string, params: object) => {
    s.send({ service: 'datasync', message: { command: name, params, callId: name } });
    const batches: any[] = [];
    for (;;) {
      const frame = await s.next(5000);
      if (frame.message.type === 'deltas') batches.push(frame.message);
      else if (frame.message.callId === name) return { reply: frame.message, batches };
    }
  };
  const acquire = async (s: TestSocket, token: string) => {
    const { reply } = await command(s, 'acquireSubscription', { token, resume: true });
    if (reply.type !== 'response') throw new Error(JSON.stringify(reply));
    return reply.data as { resumeToken: string; position: { epoch: string; seq: number } };
  };
  const deltasOf = (s: TestSocket) => s.frames.filter((f) => f.message.type === 'deltas').map((f) => f.message);
  const ids = (batches: any[]) => batches.flatMap((b) => b.deltas.map((d: any) => d.data.id as number));

  it('resumes on node B after node A dropped the connection, with what was published anywhere meanwhile', async () => {
    const [a, b, c] = cluster.nodes;
    const token = await authorize(a, [{ dealer: 'TasksByOwner', query: 'rita' }]);
    const first = await cluster.open(a);
    const { resumeToken, position } = await acquire(first, token);
    first.ws.terminate();
    await publish(b, [insert(1, 'rita'), insert(2, 'sam')]);
    await publish(c, [insert(3, 'sam')]);
    await publish(a, [insert(4, 'rita'), insert(5, 'rita')]);

    const second = await cluster.open(b);
    const { reply, batches } = await command(second, 'resumeSubscription', { resumeToken, position });
    expect(batches).toEqual([
      { type: 'deltas', token, position: { epoch: position.epoch, seq: position.seq + 1 }, deltas: [insert(1, 'rita')] },
      { type: 'deltas', token, position: { epoch: position.epoch, seq: position.seq + 3 }, deltas: [insert(4, 'rita'), insert(5, 'rita')] },
    ]);
    expect(reply).toEqual({ type: 'response', callId: 'resumeSubscription', data: { position: { epoch: position.epoch, seq: position.seq + 3 } } });
    await publish(c, [insert(6, 'rita')]);
    expect((await second.next()).message).toMatchObject({ type: 'deltas', token, deltas: [insert(6, 'rita')] });
  });

  it('resumes exactly once and in order while three nodes publish, on a node other than the one it left', async () => {
    const reference = await cluster.open(cluster.nodes[0]);
    await acquire(reference, await authorize(cluster.nodes[0], [{ dealer: 'AllTasks', query: null }]));
    const token = await authorize(cluster.nodes[1], [{ dealer: 'AllTasks', query: null }]);
    const leaving = await cluster.open(cluster.nodes[1]);
    const { resumeToken } = await acquire(leaving, token);

    let next = 10_000;
    let running = true;
    const publishers = cluster.nodes.map(async (node) => {
      while (running) await publish(node, [insert(next++, 'x')]);
    });
    await new Promise((r) => setTimeout(r, 200));
    // Drop it where it stands: its position is that of the last batch it received.
    leaving.ws.terminate();
    const got = deltasOf(leaving);
    const last = got[got.length - 1].position;
    await new Promise((r) => setTimeout(r, 200));
    const resumed = await cluster.open(cluster.nodes[2]);
    const { reply, batches } = await command(resumed, 'resumeSubscription', { resumeToken, position: last });
    expect(reply.type).toBe('response');
    await new Promise((r) => setTimeout(r, 200));
    running = false;
    await Promise.all(publishers);

    const live = deltasOf(resumed);
    expect(live.slice(0, batches.length)).toEqual(batches); // the catch-up came before the reply
    expect(got.length).toBeGreaterThan(0);
    await eventually(async () => {
      // Everything after its position, once, in the order every node routes in: what the reference saw.
      const before = ids(got);
      const seen = ids(deltasOf(reference));
      expect([...before, ...ids(deltasOf(resumed))]).toEqual(seen.slice(seen.indexOf(before[0])));
      expect(seen.length - seen.indexOf(before[0])).toBeGreaterThan(20);
    }, 5000);
  });

  it('cannot resume from before Redis lost its data: the client is told, and refetches', async () => {
    const node = cluster.nodes[0];
    const token = await authorize(node, [{ dealer: 'TasksByOwner', query: 'uma' }]);
    const first = await cluster.open(node);
    const { resumeToken, position } = await acquire(first, token);
    await cluster.redis.stop();
    await cluster.redis.restart();
    // The live connection is told its view may be stale, and its subscription ends.
    await eventually(async () => expect(first.frames.map((f) => f.message)).toContainEqual({ type: 'subscriptionLost', token }), 10_000);
    const second = await eventually(() => cluster.open(node), 10_000);
    const { reply } = await eventually(async () => {
      const attempt = await command(second, 'resumeSubscription', { resumeToken, position });
      expect(attempt.reply.message).not.toBe('Service unavailable');
      return attempt;
    }, 10_000, 200);
    expect(reply).toEqual({ type: 'error', callId: 'resumeSubscription', message: 'Cannot resume subscription' });
  });
});
