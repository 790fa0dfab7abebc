/**
 * bench:cluster — PubSub fan-out through three nodes vs one node, in the same run.
 * 1000 WebSocket subscribers on one channel (spread evenly over the nodes), one publisher on the
 * first node; every server is a standalone server process; the clients are in this process.
 *   one node (in memory)     the default engine: the baseline
 *   one node on Redis        the same node in cluster mode: what going through Redis costs
 *   three nodes on Redis     the cluster: each node delivers to a third of the subscribers
 * Measures (as bench:fanout): burst deliveries/s, and latency publish → delivery at 50 publishes/s.
 * Redis is a dedicated redis-server on a free port (started and stopped here).
 */
import { startStandaloneServer, StandaloneServer } from '../test/support/standalone-server';
import { RedisProcess } from '../test/cluster/support/redis-process';
import WebSocket from 'ws';
import { FanoutTarget, openSockets, Subscriber, subscribeAll } from './fanout/fanout-clients';

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1000);
const BURST_MESSAGES = Number(process.env.BURST_MESSAGES ?? 200);
const BURST_ROUNDS = Number(process.env.BURST_ROUNDS ?? 5);
const PACED_RATE = 50;
const PACED_SECONDS = Number(process.env.PACED_SECONDS ?? 6);
const SERVICES = [{ type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend' }];

interface Result {
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
}

let callId = 0;
const target = (url: string): FanoutTarget => ({
  name: 'snorky',
  url,
  subscribeFrame: JSON.stringify({ service: 'pubsub', message: { command: 'subscribe', params: { channel: 'bench' }, callId: 0 } }),
  publishFrame: (payload) => `{"service":"pubsub","message":{"command":"publish","params":{"channel":"bench","message":${payload}},"callId":${++callId}}}`,
});

async function measure(nodes: StandaloneServer[]): Promise<Result> {
  const subscribers: Subscriber[] = [];
  const sockets: WebSocket[] = [];
  for (const [i, node] of nodes.entries()) {
    const share = Math.floor(SUBSCRIBERS / nodes.length) + (i < SUBSCRIBERS % nodes.length ? 1 : 0);
    const opened = await openSockets(node.frontendUrl, share);
    sockets.push(...opened);
    subscribers.push(...(await subscribeAll(target(node.frontendUrl), opened)));
  }
  const [publisher] = await openSockets(nodes[0].frontendUrl, 1);
  const publish = target(nodes[0].frontendUrl).publishFrame;

  const rates: number[] = [];
  for (let round = 0; round < BURST_ROUNDS; round++) {
    const expected = subscribers.map((s) => s.received + BURST_MESSAGES);
    const start = process.hrtime.bigint();
    for (let i = 0; i < BURST_MESSAGES; i++) publisher.send(publish(JSON.stringify({ i, t: 0 })));
    await until(() => subscribers.every((s, k) => s.received >= expected[k]), 120_000);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push((BURST_MESSAGES * subscribers.length) / seconds);
  }
  rates.sort((a, b) => a - b);

  const latencies: number[] = [];
  const worst = new Map<number, number>();
  const onFrame = (data: Buffer) => {
    const text = data.toString();
    const at = text.indexOf('"t":');
    const latency = performance.now() - Number(text.slice(at + 4, text.indexOf('}', at)));
    latencies.push(latency);
    if (process.env.BENCH_DEBUG) {
      const i = Number(text.slice(text.indexOf('"i":') + 4, text.indexOf(',', text.indexOf('"i":'))));
      worst.set(i, Math.max(worst.get(i) ?? 0, latency));
    }
  };
  subscribers.forEach((s) => (s.onFrame = onFrame));
  const total = PACED_RATE * PACED_SECONDS;
  const startedAt = performance.now();
  for (let i = 0; i < total; i++) {
    await sleep(Math.max(0, startedAt + (i * 1000) / PACED_RATE - performance.now()));
    publisher.send(publish(JSON.stringify({ i, t: performance.now() })));
  }
  await until(() => latencies.length >= total * subscribers.length, 60_000);
  latencies.sort((a, b) => a - b);
  if (process.env.BENCH_DEBUG) console.log([...worst].filter(([, l]) => l > 50).map(([i, l]) => `${i}:${l.toFixed(0)}`).join(' '));
  for (const ws of [publisher, ...sockets]) ws.terminate();
  return {
    deliveriesPerSecond: rates[Math.floor(rates.length / 2)],
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
  };
}

async function run(count: number, redisUrl?: string): Promise<Result> {
  const config = { services: SERVICES, frontend: { pingInterval: 0 }, ...(redisUrl ? { cluster: { redis: redisUrl } } : {}) };
  const nodes = await Promise.all(Array.from({ length: count }, () => startStandaloneServer(config)));
  try {
    return await measure(nodes);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

async function main(): Promise<void> {
  console.log(`bench:cluster — ${SUBSCRIBERS} subscribers, burst ${BURST_ROUNDS}×${BURST_MESSAGES} publishes, paced ${PACED_RATE}/s for ${PACED_SECONDS} s`);
  const redis = await RedisProcess.start();
  try {
    const only = process.env.ONLY;
    const none: Result = { deliveriesPerSecond: NaN, p50: NaN, p99: NaN };
    const single = !only || only === 'memory' ? await run(1) : none;
    const singleRedis = !only || only === 'redis1' ? await run(1, redis.url) : none;
    const three = !only || only === 'redis3' ? await run(3, redis.url) : none;
    const row = (name: string, r: Result) =>
      `| ${name} | ${Math.round(r.deliveriesPerSecond).toLocaleString('en')} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`;
    console.log('\n| setup | burst deliveries/s | paced p50 ms | paced p99 ms |\n|---|---|---|---|');
    console.log(row('one node, in memory (baseline)', single));
    console.log(row('one node on Redis', singleRedis));
    console.log(row('three nodes on Redis', three));
    const ratio = (r: Result) =>
      `deliveries/s ${(r.deliveriesPerSecond / single.deliveriesPerSecond).toFixed(2)}×, p50 ${(r.p50 / single.p50).toFixed(2)}×, p99 ${(r.p99 / single.p99).toFixed(2)}×`;
    console.log(`\nratios vs one node in memory:\n  one node on Redis:    ${ratio(singleRedis)}\n  three nodes on Redis: ${ratio(three)}`);
  } finally {
    await redis.stop();
  }
  process.exit(0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('benchmark timed out waiting for deliveries');
    await sleep(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
