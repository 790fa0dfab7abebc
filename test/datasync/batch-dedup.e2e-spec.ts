import { request } from 'http';
import { RedisProcess } from '../cluster/support/redis-process';
import { postBackend } from '../support/snorky-app';
import { startStandaloneServer, StandaloneServer } from '../support/standalone-server';
import { TestSocket } from '../support/ws-client';

const SERVICE = {
  type: 'datasync',
  name: 'datasync',
  backend: 'datasync_backend',
  batchDedupWindow: 1,
  dealers: [{ name: 'AllTasks', model: 'Task', type: 'broadcast' }],
};
const insert = (id: number) => ({ type: 'insert', model: 'Task', data: { id } });
/** Lets deliveries in flight arrive (the tests read every frame received, not one at a time). */
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * publishDeltas' optional batchId (docs/protocol-notes.md): a batch re-sent with an id already
 * published within the window is acknowledged and not delivered again — on one node (memory) and
 * across the nodes of a cluster (Redis). Without a batchId nothing changes (the original connector).
 */
describe.each([
  ['one node', 1],
  ['a cluster of two nodes', 2],
])('publishDeltas batchId on %s', (_name, count) => {
  let redis: RedisProcess | undefined;
  let nodes: StandaloneServer[] = [];
  let browser: TestSocket;
  const publish = async (i: number, params: object) => {
    const node = nodes[i % nodes.length];
    const res = await postBackend(node.backendUrl, { service: 'datasync_backend', message: { command: 'publishDeltas', params } }, node.apiKey);
    expect(res.status).toBe(200);
    return res.body.message;
  };
  const received = () => browser.frames.filter((f) => f.message?.type === 'delta').map((f) => f.message.delta.data.id);

  beforeAll(async () => {
    const config: any = { services: [SERVICE] };
    if (count > 1) {
      redis = await RedisProcess.start();
      config.cluster = { redis: redis.url };
    }
    nodes = await Promise.all(Array.from({ length: count }, () => startStandaloneServer(config)));
    const token = (await publishTo(nodes[0], 'authorizeSubscription', { items: [{ dealer: 'AllTasks', query: null }] })).data;
    browser = await TestSocket.open(nodes[nodes.length - 1].frontendUrl);
    expect((await browser.call('datasync', 'acquireSubscription', { token }, 1)).message.type).toBe('response');
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await redis?.stop();
  });

  it('delivers a batch once however often (and on whichever node) it is re-sent within the window', async () => {
    const ok = { type: 'response', data: null };
    for (let i = 0; i < 3; i++) expect(await publish(i, { deltas: [insert(1), insert(2)], batchId: 'b-1' })).toEqual(ok);
    expect(await publish(0, { deltas: [insert(3)], batchId: 'b-2' })).toEqual(ok);
    await settle(300);
    expect(received()).toEqual([1, 2, 3]);
    // without a batchId (the original connector): every request is delivered
    await publish(0, { deltas: [insert(4)] });
    await publish(1, { deltas: [insert(4)] });
    await settle(300);
    expect(received()).toEqual([1, 2, 3, 4, 4]);
  });

  it('forgets a batch id after the window (batchDedupWindow, here 1 s)', async () => {
    await publish(0, { deltas: [insert(5)], batchId: 'b-window' });
    await new Promise((r) => setTimeout(r, 1100));
    await publish(1, { deltas: [insert(5)], batchId: 'b-window' });
    await settle(300);
    expect(received().filter((id) => id === 5)).toEqual([5, 5]);
  });

  it('refuses a batchId that is not a short string, delivering nothing', async () => {
    for (const batchId of [7, '', 'x'.repeat(129), null]) {
      expect(await publish(0, { deltas: [insert(6)], batchId })).toEqual({
        type: 'error',
        message: 'batchId must be a string of 1 to 128 characters',
      });
    }
    await settle(200);
    expect(received()).not.toContain(6);
  });
});

describe('backend endpoint keep-alive', () => {
  let server: StandaloneServer;
  beforeAll(async () => {
    server = await startStandaloneServer({ services: [SERVICE] });
  });
  afterAll(() => server?.stop());

  it('keeps an idle backend connection open for 65 s (connectors reuse one only while idle < 2 s)', async () => {
    // Node's default (5 s, plus 1 s of grace) raced with connectors reusing a connection idle ~5 s
    const keepAlive = await new Promise<string | undefined>((resolve, reject) => {
      const body = JSON.stringify({ service: 'datasync_backend', message: { command: 'publishDeltas', params: { deltas: [] } } });
      const headers = { 'Content-Type': 'application/json', 'X-Backend-Key': server.apiKey, Connection: 'keep-alive' };
      const req = request(server.backendUrl, { method: 'POST', headers }, (res) => {
        res.resume();
        resolve(String(res.headers['keep-alive']));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(keepAlive).toBe('timeout=65');
  });
});

async function publishTo(node: StandaloneServer, command: string, params: object) {
  const res = await postBackend(node.backendUrl, { service: 'datasync_backend', message: { command, params } }, node.apiKey);
  return res.body.message;
}
