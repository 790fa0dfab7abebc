/**
 * bench:cluster — PubSub fan-out through three nodes vs one node, in the same run.
 * 1000 WebSocket subscribers on one channel (spread evenly over the nodes), one publisher on the
 * first node; every server is a standalone server process; the clients are in this process.
 *   one node (in memory)     the default engine: the baseline
 *   one node on Redis        the same node in cluster mode: what going through Redis costs
 *   three nodes on Redis     the cluster: each node delivers to a third of the subscribers
 *   three nodes, journaled   the same with `delivery: 'journaled'` PubSub (issue 12: target ≥ 0.8×
 *                            the best-effort deliveries/s)
 * Measures (as bench:fanout): burst deliveries/s, and latency publish → delivery at 50 publishes/s.
 * Redis is a dedicated redis-server on a free port (started and stopped here).
 */
import { startStandaloneServer, StandaloneServer } from '../test/support/standalone-server';
import { RedisProcess } from '../test/cluster/support/redis-process';
import WebSocket from 'ws';
import { openSockets, Subscriber, subscribeAll } from './fanout/fanout-clients';
import { FANOUT_SETTINGS, FanoutResult, measureFanout, resultRow, snorkyPubSubTarget } from './fanout/fanout-measure';
import { UNLIMITED } from './bench-limits';

const services = (delivery: 'best-effort' | 'journaled') => [{ type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend', delivery }];

async function measure(nodes: StandaloneServer[]): Promise<FanoutResult> {
  const subscribers: Subscriber[] = [];
  const sockets: WebSocket[] = [];
  const total = FANOUT_SETTINGS.subscribers;
  for (const [i, node] of nodes.entries()) {
    const share = Math.floor(total / nodes.length) + (i < total % nodes.length ? 1 : 0);
    const opened = await openSockets(node.frontendUrl, share);
    sockets.push(...opened);
    subscribers.push(...(await subscribeAll(snorkyPubSubTarget(node.frontendUrl), opened)));
  }
  const [publisher] = await openSockets(nodes[0].frontendUrl, 1);
  const result = await measureFanout(publisher, snorkyPubSubTarget(nodes[0].frontendUrl).publishFrame, subscribers);
  for (const ws of [publisher, ...sockets]) ws.terminate();
  return result;
}

async function run(count: number, redisUrl?: string, delivery: 'best-effort' | 'journaled' = 'best-effort'): Promise<FanoutResult> {
  const config = { services: services(delivery), frontend: { pingInterval: 0 }, ...UNLIMITED, ...(redisUrl ? { cluster: { redis: redisUrl } } : {}) };
  const nodes = await Promise.all(Array.from({ length: count }, () => startStandaloneServer(config)));
  try {
    return await measure(nodes);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

async function main(): Promise<void> {
  const s = FANOUT_SETTINGS;
  console.log(`bench:cluster — ${s.subscribers} subscribers, burst ${s.burstRounds}×${s.burstMessages} publishes, paced ${s.pacedRate}/s for ${s.pacedSeconds} s`);
  const redis = await RedisProcess.start();
  try {
    // ONLY=memory,redis3,journaled3 runs some setups.
    const only = process.env.ONLY?.split(',');
    const wanted = (name: string) => !only || only.includes(name);
    const none: FanoutResult = { deliveriesPerSecond: NaN, p50: NaN, p99: NaN };
    const single = wanted('memory') ? await run(1) : none;
    const singleRedis = wanted('redis1') ? await run(1, redis.url) : none;
    const three = wanted('redis3') ? await run(3, redis.url) : none;
    const journaled = wanted('journaled3') ? await run(3, redis.url, 'journaled') : none;
    console.log('\n| setup | burst deliveries/s | paced p50 ms | paced p99 ms |\n|---|---|---|---|');
    console.log(resultRow('one node, in memory (baseline)', single));
    console.log(resultRow('one node on Redis', singleRedis));
    console.log(resultRow('three nodes on Redis', three));
    console.log(resultRow('three nodes on Redis, journaled PubSub', journaled));
    const ratio = (r: FanoutResult) =>
      `deliveries/s ${(r.deliveriesPerSecond / single.deliveriesPerSecond).toFixed(2)}×, p50 ${(r.p50 / single.p50).toFixed(2)}×, p99 ${(r.p99 / single.p99).toFixed(2)}×`;
    console.log(`\nratios vs one node in memory:\n  one node on Redis:    ${ratio(singleRedis)}\n  three nodes on Redis: ${ratio(three)}`);
    console.log(
      `journaled vs best-effort (three nodes): deliveries/s ${(journaled.deliveriesPerSecond / three.deliveriesPerSecond).toFixed(2)}×, ` +
        `p50 ${(journaled.p50 / three.p50).toFixed(2)}×, p99 ${(journaled.p99 / three.p99).toFixed(2)}×`,
    );
  } finally {
    await redis.stop();
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
