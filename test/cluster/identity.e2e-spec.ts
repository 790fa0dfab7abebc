import { startStandaloneServer } from '../support/standalone-server';
import { backend, backendOk, eventually, useTestCluster } from './support/cluster';

const IDENTITY = [{ type: 'identity', name: 'identity', backend: 'identity_backend', ttl: 60 }];

/** PROTOCOL §7 in a cluster: a token authorized through any node is valid on every node (Redis). */
describe('cluster: identity tokens across two nodes', () => {
  const cluster = useTestCluster((redisUrl) =>
    Promise.all([0, 1].map(() => startStandaloneServer({ cluster: { redis: redisUrl }, services: IDENTITY }))),
  );

  it('authenticates with a token on a node other than the one that issued it, and on that one', async () => {
    const [a, b] = cluster.nodes;
    const token = await backendOk(a, 'identity_backend', 'authorizeIdentity', { identity: { id: 9, name: 'dee' } });
    for (const node of [b, a, b]) {
      const socket = await cluster.open(node);
      expect((await socket.call('identity', 'authenticate', { token }, 0)).message).toEqual({ type: 'response', callId: 0, data: { id: 9, name: 'dee' } });
    }
  });

  it('expires a token on every node after its ttl', async () => {
    const [a, b] = cluster.nodes;
    const issued = Date.now();
    const token = await backendOk(b, 'identity_backend', 'authorizeIdentity', { identity: 'eve', ttl: 1.5 });
    expect((await (await cluster.open(a)).call('identity', 'authenticate', { token }, 0)).message.data).toBe('eve');
    await new Promise((resolve) => setTimeout(resolve, issued + 1800 - Date.now()));
    for (const node of [a, b]) {
      expect((await (await cluster.open(node)).call('identity', 'authenticate', { token }, 0)).message.message).toBe('Invalid token');
    }
  });

  it('answers Service unavailable while Redis is down; afterwards new tokens work (a Redis without persistence lost the old)', async () => {
    const [a, b] = cluster.nodes;
    const token = await backendOk(a, 'identity_backend', 'authorizeIdentity', { identity: 'fay' });
    const socket = await cluster.open(b);
    await cluster.redis.stop();
    try {
      expect((await socket.call('identity', 'authenticate', { token }, 0)).message).toEqual({ type: 'error', callId: 0, message: 'Service unavailable' });
      expect((await backend(a, 'identity_backend', 'authorizeIdentity', { identity: 'gus' })).status).toBe(503);
    } finally {
      await cluster.redis.restart();
    }
    const fresh = await eventually(() => backendOk(a, 'identity_backend', 'authorizeIdentity', { identity: 'gus' }));
    // Node b reconnects to Redis on its own schedule: until then it answers Service unavailable.
    const authenticated = await eventually(async () => {
      const reply = (await socket.call('identity', 'authenticate', { token: fresh }, 1)).message;
      if (reply.type !== 'response') throw new Error(`not yet: ${JSON.stringify(reply)}`);
      return reply.data;
    });
    expect(authenticated).toBe('gus');
    expect((await socket.call('identity', 'authenticate', { token }, 2)).message.message).toBe('Invalid token');
  });
});
