import { runStandaloneServerExpectingFailure, startStandaloneServer } from '../support/standalone-server';
import { backend, backendOk, CLUSTER_SERVICES, eventually, useTestCluster } from './support/cluster';
import { freePort } from './support/redis-process';

const insert = (id: number) => ({ type: 'insert', model: 'Task', data: { id, owner: 'ann' } });

describe('cluster: faults', () => {
  it('refuses to start when Redis is unreachable, saying so (SNORKY_REDIS_URL)', async () => {
    const port = await freePort();
    const started = Date.now();
    // the config names another Redis; SNORKY_REDIS_URL wins (and the config's connectTimeout stays)
    const config = { backend: { apiKey: 'k' }, cluster: { redis: 'redis://127.0.0.1:1', connectTimeout: 1 }, services: CLUSTER_SERVICES };
    const { code, output } = await runStandaloneServerExpectingFailure(JSON.stringify(config), {
      SNORKY_REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    expect(code).not.toBe(0);
    expect(output).toContain(`cluster.redis: cannot connect to Redis at redis://127.0.0.1:${port} within 1000 ms`);
    expect(output).toContain('ECONNREFUSED');
    expect(output).not.toMatch(/listening on/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  describe('Redis lost while running, then back', () => {
    // two nodes configured by file, the third by SNORKY_REDIS_URL alone
    const cluster = useTestCluster((url) =>
      Promise.all([
        startStandaloneServer({ cluster: { redis: url }, services: CLUSTER_SERVICES }),
        startStandaloneServer({ cluster: { redis: url }, services: CLUSTER_SERVICES }),
        startStandaloneServer({ services: CLUSTER_SERVICES }, { SNORKY_REDIS_URL: url }),
      ]),
    );
    const { open } = cluster;

    it('fails fast with clear errors while Redis is down, crashes nothing, and resumes by itself', async () => {
      // before: a pub/sub subscriber on node 1, a live DataSync subscription on node 2 (the env-configured node)
      const listener = await open(cluster.nodes[1]);
      await listener.call('pubsub', 'subscribe', { channel: 'weather' }, 0);
      const syncing = await open(cluster.nodes[2]);
      const token = await backendOk(cluster.nodes[0], 'datasync_backend', 'authorizeSubscription', { items: [{ dealer: 'AllTasks', query: null }] });
      expect((await syncing.call('datasync', 'acquireSubscription', { token }, 0)).message.type).toBe('response');
      await backendOk(cluster.nodes[0], 'pubsub_backend', 'publish', { channel: 'weather', message: 'sunny' });
      expect((await listener.next()).message.message).toBe('sunny');

      await cluster.redis.stop();
      await new Promise((r) => setTimeout(r, 200));

      // backend: an HTTP error at once, not a hang and not "Internal error"
      for (const [service, command, params] of [
        ['pubsub_backend', 'publish', { channel: 'weather', message: 'rain' }],
        ['datasync_backend', 'publishDeltas', { deltas: [insert(1)] }],
        ['datasync_backend', 'authorizeSubscription', { items: [{ dealer: 'AllTasks', query: null }] }],
      ] as const) {
        const t = Date.now();
        const res = await backend(cluster.nodes[0], service, command, params);
        expect(Date.now() - t).toBeLessThan(2500);
        expect(res.status).toBe(503);
        expect(res.text).toMatch(/Service unavailable: .*Redis/);
      }
      // frontend: the RPC error "Service unavailable"
      const browser = await open(cluster.nodes[1]);
      const unavailable = (callId: number) => ({ type: 'error', callId, message: 'Service unavailable' });
      expect((await browser.call('pubsub', 'publish', { channel: 'weather', message: 'hail' }, 1)).message).toEqual(unavailable(1));
      expect((await browser.call('pubsub', 'subscribe', { channel: 'storm' }, 2)).message).toEqual(unavailable(2));
      expect((await browser.call('datasync', 'acquireSubscription', { token: 'whatever' }, 3)).message).toEqual(unavailable(3));
      // nothing crashed, no connection dropped
      for (const node of cluster.nodes) expect(node.process.exitCode).toBeNull();
      for (const s of [listener, syncing, browser]) expect(s.isOpen).toBe(true);

      await cluster.redis.restart();

      // the pub/sub subscription made before the outage works again (the node resubscribed)
      await eventually(async () => {
        await backendOk(cluster.nodes[0], 'pubsub_backend', 'publish', { channel: 'weather', message: 'clear' });
        expect((await listener.next(300)).message.message).toBe('clear');
      });
      // Redis came back empty: a batch accepted in the instant before it died may be gone with the
      // journal, so the live DataSync subscription is told its view is stale, and ends
      expect((await syncing.next(10_000)).message).toEqual({ type: 'subscriptionLost', token });
      // the app refetches and subscribes again; deltas published on any node then arrive, exactly once
      const again = await eventually(() => backendOk(cluster.nodes[1], 'datasync_backend', 'authorizeSubscription', { items: [{ dealer: 'AllTasks', query: null }] }));
      expect((await syncing.call('datasync', 'acquireSubscription', { token: again }, 5)).message).toEqual({ type: 'response', callId: 5, data: null });
      await backendOk(cluster.nodes[1], 'datasync_backend', 'publishDeltas', { deltas: [insert(2)] });
      expect((await syncing.next(5000)).message.delta).toEqual(insert(2));
      // a subscribe that failed during the outage can be retried
      expect((await browser.call('pubsub', 'subscribe', { channel: 'storm' }, 4)).message).toEqual({ type: 'response', callId: 4, data: null });
      await backendOk(cluster.nodes[2], 'pubsub_backend', 'publish', { channel: 'storm', message: 'over' });
      expect((await browser.next()).message.message).toBe('over');
      // and the authorize → publish → acquire-elsewhere handoff works on the fresh Redis
      const fresh = await backendOk(cluster.nodes[2], 'datasync_backend', 'authorizeSubscription', { items: [{ dealer: 'AllTasks', query: null }] });
      await backendOk(cluster.nodes[1], 'datasync_backend', 'publishDeltas', { deltas: [insert(3)] });
      const late = await open(cluster.nodes[0]);
      expect(await late.call('datasync', 'acquireSubscription', { token: fresh }, 9)).toEqual({ service: 'datasync', message: { type: 'delta', delta: insert(3) } });
      expect((await late.next()).message).toEqual({ type: 'response', callId: 9, data: null });
      expect((await syncing.next()).message.delta).toEqual(insert(3));
      for (const node of cluster.nodes) expect(node.output()).toMatch(/broker state: down \(Redis at redis:\/\/127\.0\.0\.1:\d+: \w+ connection lost; reconnecting\)/);
    });
  });
});
