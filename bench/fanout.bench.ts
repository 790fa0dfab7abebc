/**
 * bench:fanout — 1000 WebSocket subscribers on one channel, one publisher.
 * Measures Snorky's PubSub (the standalone server) against a bare `ws` broadcast server in the same run,
 * each server in its own process, the clients in this one:
 *   burst: deliveries per second while the publisher sends as fast as it can;
 *   paced: 50 publishes/s, latency from publish to delivery, p50/p99.
 */
import { ChildProcess, spawn } from 'child_process';
import { join } from 'path';
import WebSocket from 'ws';
import { startStandaloneServer } from '../test/support/standalone-server';
import { FanoutTarget, openSockets, Subscriber, subscribeAll } from './fanout/fanout-clients';

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1000);
const BURST_MESSAGES = Number(process.env.BURST_MESSAGES ?? 200);
const BURST_ROUNDS = Number(process.env.BURST_ROUNDS ?? 5);
const PACED_RATE = 50;
const PACED_SECONDS = Number(process.env.PACED_SECONDS ?? 6);

interface Result {
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
}

async function measure(target: FanoutTarget): Promise<Result> {
  const sockets = await openSockets(target.url, SUBSCRIBERS + 1);
  const publisher = sockets.pop()!;
  const subscribers = await subscribeAll(target, sockets);

  // Burst: send BURST_MESSAGES back to back, wait for every subscriber to have them all.
  const rates: number[] = [];
  for (let round = 0; round < BURST_ROUNDS; round++) {
    const expected = subscribers.map((s) => s.received + BURST_MESSAGES);
    const start = process.hrtime.bigint();
    for (let i = 0; i < BURST_MESSAGES; i++) publisher.send(target.publishFrame(JSON.stringify({ i, t: 0 })));
    await until(() => subscribers.every((s, k) => s.received >= expected[k]), 60_000);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push((BURST_MESSAGES * subscribers.length) / seconds);
  }
  rates.sort((a, b) => a - b);

  // Paced: PACED_RATE publishes per second; every delivery's latency from its publish time.
  const latencies: number[] = [];
  const onFrame = (data: Buffer) => {
    const text = data.toString();
    const at = text.indexOf('"t":');
    latencies.push(performance.now() - Number(text.slice(at + 4, text.indexOf('}', at))));
  };
  subscribers.forEach((s) => (s.onFrame = onFrame));
  const total = PACED_RATE * PACED_SECONDS;
  const startedAt = performance.now();
  for (let i = 0; i < total; i++) {
    const due = startedAt + (i * 1000) / PACED_RATE;
    await sleep(Math.max(0, due - performance.now()));
    publisher.send(target.publishFrame(JSON.stringify({ i, t: performance.now() })));
  }
  await until(() => latencies.length >= total * subscribers.length, 30_000);
  latencies.sort((a, b) => a - b);
  for (const ws of [publisher, ...sockets]) ws.terminate();
  return {
    deliveriesPerSecond: rates[Math.floor(rates.length / 2)],
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
  };
}

async function startBaseline(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(__dirname, 'fanout', 'ws-broadcast-server.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  return { url, child };
}

async function main(): Promise<void> {
  console.log(`bench:fanout — ${SUBSCRIBERS} subscribers, burst ${BURST_ROUNDS}×${BURST_MESSAGES} publishes, paced ${PACED_RATE}/s for ${PACED_SECONDS} s`);
  const baseline = await startBaseline();
  const bare = await measure({
    name: 'bare ws',
    url: baseline.url,
    subscribeFrame: 'sub',
    publishFrame: (payload) => `{"service":"pubsub","message":{"type":"message","channel":"bench","message":${payload}}}`,
  });
  baseline.child.kill('SIGTERM');

  const server = await startStandaloneServer({ services: [{ type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend' }], frontend: { pingInterval: 0 } });
  let callId = 0;
  const snorky = await measure({
    name: 'snorky',
    url: server.frontendUrl,
    subscribeFrame: JSON.stringify({ service: 'pubsub', message: { command: 'subscribe', params: { channel: 'bench' }, callId: 0 } }),
    publishFrame: (payload) => `{"service":"pubsub","message":{"command":"publish","params":{"channel":"bench","message":${payload}},"callId":${++callId}}}`,
  });
  await server.stop();

  const row = (name: string, r: Result) =>
    `| ${name} | ${Math.round(r.deliveriesPerSecond).toLocaleString('en')} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`;
  console.log('\n| server | burst deliveries/s | paced p50 ms | paced p99 ms |\n|---|---|---|---|');
  console.log(row('bare ws (baseline)', bare));
  console.log(row('Snorky PubSub', snorky));
  console.log(
    `\nratios: deliveries/s ${(snorky.deliveriesPerSecond / bare.deliveriesPerSecond).toFixed(2)}× baseline (target ≥ 0.9), ` +
      `p99 ${(snorky.p99 / bare.p99).toFixed(2)}× baseline (target ≤ 1.5), p50 ${(snorky.p50 / bare.p50).toFixed(2)}×`,
  );
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
