import WebSocket from 'ws';
import type { FanoutTarget, Subscriber } from './fanout-clients';

/** Shared by bench:fanout and bench:cluster so both measure fan-out the same way. */
export const FANOUT_SETTINGS = {
  subscribers: Number(process.env.SUBSCRIBERS ?? 1000),
  burstMessages: Number(process.env.BURST_MESSAGES ?? 200),
  burstRounds: Number(process.env.BURST_ROUNDS ?? 5),
  pacedRate: 50,
  pacedSeconds: Number(process.env.PACED_SECONDS ?? 6),
};

export interface FanoutResult {
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
}

/** A Snorky PubSub target: real subscribe and publish RPC requests on channel "bench". */
export function snorkyPubSubTarget(url: string): FanoutTarget {
  let callId = 0;
  return {
    name: 'snorky',
    url,
    subscribeFrame: JSON.stringify({ service: 'pubsub', message: { command: 'subscribe', params: { channel: 'bench' }, callId: 0 } }),
    publishFrame: (payload) => `{"service":"pubsub","message":{"command":"publish","params":{"channel":"bench","message":${payload}},"callId":${++callId}}}`,
  };
}

/** One burst: `burstMessages` sent back to back; deliveries/s until every subscriber has them all. */
export async function burstRound(publisher: WebSocket, publishFrame: (payload: string) => string, subscribers: Subscriber[]): Promise<number> {
  const { burstMessages } = FANOUT_SETTINGS;
  const expected = subscribers.map((s) => s.received + burstMessages);
  const start = process.hrtime.bigint();
  for (let i = 0; i < burstMessages; i++) publisher.send(publishFrame(JSON.stringify({ i, t: 0 })));
  await until(() => subscribers.every((s, k) => s.received >= expected[k]), 120_000);
  return (burstMessages * subscribers.length) / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** `pacedRate` publishes/s for `seconds`; the latency of every delivery is pushed onto `latencies`. */
export async function pacedRun(
  publisher: WebSocket,
  publishFrame: (payload: string) => string,
  subscribers: Subscriber[],
  seconds: number,
  latencies: number[],
): Promise<void> {
  const { pacedRate } = FANOUT_SETTINGS;
  const before = latencies.length;
  const onFrame = (data: Buffer) => {
    const text = data.toString();
    const at = text.indexOf('"t":');
    latencies.push(performance.now() - Number(text.slice(at + 4, text.indexOf('}', at))));
  };
  subscribers.forEach((s) => (s.onFrame = onFrame));
  const total = Math.round(pacedRate * seconds);
  const startedAt = performance.now();
  for (let i = 0; i < total; i++) {
    await sleep(Math.max(0, startedAt + (i * 1000) / pacedRate - performance.now()));
    publisher.send(publishFrame(JSON.stringify({ i, t: performance.now() })));
  }
  await until(() => latencies.length - before >= total * subscribers.length, 60_000);
  subscribers.forEach((s) => (s.onFrame = undefined));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * p)];
}

/** burst rounds (median deliveries/s), then a paced run (p50, p99 latency). */
export async function measureFanout(publisher: WebSocket, publishFrame: (payload: string) => string, subscribers: Subscriber[]): Promise<FanoutResult> {
  const rates: number[] = [];
  for (let round = 0; round < FANOUT_SETTINGS.burstRounds; round++) rates.push(await burstRound(publisher, publishFrame, subscribers));
  const latencies: number[] = [];
  await pacedRun(publisher, publishFrame, subscribers, FANOUT_SETTINGS.pacedSeconds, latencies);
  return { deliveriesPerSecond: median(rates), p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

export function resultRow(name: string, r: FanoutResult): string {
  return `| ${name} | ${Math.round(r.deliveriesPerSecond).toLocaleString('en')} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`;
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
