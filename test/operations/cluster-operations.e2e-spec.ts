import { CLUSTER_SERVICES, eventually, useTestCluster } from '../cluster/support/cluster';
import { basicAuth, operationsUrl, sample } from '../support/prometheus';
import { StandaloneServer, startStandaloneServer } from '../support/standalone-server';

/**
 * Two standalone nodes on a dedicated Redis that the test stops and starts: readiness, the broker
 * metrics, the broker state log lines, and every node's figures on every node's admin feed.
 */
describe('cluster: readiness and broker metrics follow Redis; nodes see each other', () => {
  const cluster = useTestCluster((url) =>
    Promise.all(
      [0, 1].map(() =>
        startStandaloneServer({
          cluster: { redis: url },
          log: { format: 'json' },
          operations: { reportInterval: 0.5 },
          services: CLUSTER_SERVICES,
        }),
      ),
    ),
  );
  const get = (node: StandaloneServer, path: string, auth = false) =>
    fetch(operationsUrl(node.backendUrl, path), auth ? { headers: { Authorization: basicAuth(node.apiKey) } } : {});
  const readyStatus = async (node: StandaloneServer) => (await get(node, '/ready')).status;
  const metric = async (node: StandaloneServer, name: string) => sample(await (await get(node, '/metrics')).text(), name);
  const logMessages = (node: StandaloneServer) =>
    node
      .output()
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l).message as string);

  it('each node lists every node of the cluster on its admin feed (figures through Redis)', async () => {
    const [a, b] = cluster.nodes;
    const socket = await cluster.open(b);
    await socket.call('pubsub', 'subscribe', { channel: 'c' }, 0);
    await eventually(async () => {
      const stats = await (await get(a, '/admin/stats', true)).json();
      expect(stats.nodes).toHaveLength(2);
      const other = stats.nodes.find((n: { self: boolean }) => !n.self);
      const latest = other.reports[other.reports.length - 1];
      expect(latest.connections.websocket).toBe(1);
      expect(latest.subscriptions.pubsub).toBe(1);
      expect(latest.broker).toMatchObject({ clustered: true, up: true });
    });
  });

  it('/ready answers 503 while Redis is down and 200 once it is back; broker_up and reconnects follow', async () => {
    const [a, b] = cluster.nodes;
    expect(await readyStatus(a)).toBe(200);
    expect(await metric(a, 'snorky_broker_up')).toBe(1);
    expect(await metric(a, 'snorky_broker_reconnects_total')).toBe(0);

    await cluster.redis.stop();
    await eventually(async () => expect([await readyStatus(a), await readyStatus(b)]).toEqual([503, 503]));
    const body = await (await get(a, '/ready')).json();
    expect(body).toMatchObject({ ready: false, broker: { clustered: true, up: false }, draining: false });
    expect(await metric(a, 'snorky_broker_up')).toBe(0);
    expect((await get(a, '/health')).status).toBe(200); // alive all the same: restarting it would not help
    await eventually(async () => expect(logMessages(a).some((m) => /^broker state: down \(Redis at redis:\/\/127\.0\.0\.1:\d+: \w+ connection lost/.test(m))).toBe(true));
    // The admin feed shows the outage: wait for a report made while Redis was down (every 0.5 s), so a
    // quick machine cannot restart Redis before one was made.
    const ownBrokerStates = async () => {
      const stats = await (await get(a, '/admin/stats', true)).json();
      const self = stats.nodes.find((n: { self: boolean }) => n.self);
      return self.reports.map((r: { broker: { up: boolean } }) => r.broker.up) as boolean[];
    };
    await eventually(async () => expect(await ownBrokerStates()).toContain(false));

    await cluster.redis.restart();
    await eventually(async () => expect([await readyStatus(a), await readyStatus(b)]).toEqual([200, 200]), 15_000);
    expect(await metric(a, 'snorky_broker_up')).toBe(1);
    expect(await metric(a, 'snorky_broker_reconnects_total')).toBe(1);
    await eventually(async () => expect(logMessages(a).filter((m) => m.startsWith('broker state: up')).length).toBe(1));
    // ...then a report with the broker up again.
    await eventually(async () => {
      const states = await ownBrokerStates();
      expect(states).toContain(false);
      expect(states[states.length - 1]).toBe(true);
    });
  });
});
