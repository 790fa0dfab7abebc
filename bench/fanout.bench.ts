/**
 * bench:fanout — 1000 WebSocket subscribers on one channel, one publisher.
 * Measures Snorky's PubSub (the standalone server) against a bare `ws` broadcast server in the same run,
 * each server in its own process, the clients in this one. Both servers run side by side and the
 * measurements alternate between them (A B B A ...), so drift of the machine hits both alike:
 *   burst: deliveries per second while the publisher sends as fast as it can (median round);
 *   paced: 50 publishes/s, latency from publish to delivery, p50/p99.
 * The clients share one process, which on 2 cores is the bottleneck of both: the ratio is what counts.
 */
import { join } from 'path';
import { startBaselineProcess } from './baseline-process';
import { startStandaloneServer } from '../test/support/standalone-server';
import WebSocket from 'ws';
import { FanoutTarget, openSockets, Subscriber, subscribeAll } from './fanout/fanout-clients';
import { burstRound, FANOUT_SETTINGS, FanoutResult, median, pacedRun, percentile, resultRow, snorkyPubSubTarget } from './fanout/fanout-measure';
import { UNLIMITED } from './bench-limits';

interface Side {
  name: string;
  publisher: WebSocket;
  publishFrame: (payload: string) => string;
  subscribers: Subscriber[];
  sockets: WebSocket[];
  rates: number[];
  latencies: number[];
}

async function connect(target: FanoutTarget): Promise<Side> {
  const sockets = await openSockets(target.url, FANOUT_SETTINGS.subscribers + 1);
  const publisher = sockets.pop()!;
  const subscribers = await subscribeAll(target, sockets);
  return { name: target.name, publisher, publishFrame: target.publishFrame, subscribers, sockets, rates: [], latencies: [] };
}

/** A B, B A, A B, ...: each side runs first in half of the rounds. */
function alternate<T>(round: number, a: T, b: T): T[] {
  return round % 2 === 0 ? [a, b] : [b, a];
}

function resultOf(side: Side): FanoutResult {
  return { deliveriesPerSecond: median(side.rates), p50: percentile(side.latencies, 0.5), p99: percentile(side.latencies, 0.99) };
}

async function main(): Promise<void> {
  const s = FANOUT_SETTINGS;
  console.log(`bench:fanout — ${s.subscribers} subscribers, burst ${s.burstRounds}×${s.burstMessages} publishes, paced ${s.pacedRate}/s for ${s.pacedSeconds} s`);
  const baseline = await startBaselineProcess(join(__dirname, 'fanout', 'ws-broadcast-server.js'));
  const server = await startStandaloneServer({ services: [{ type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend' }], frontend: { pingInterval: 0 }, ...UNLIMITED });
  const bareSide = await connect({
    name: 'bare ws',
    url: baseline.url,
    subscribeFrame: 'sub',
    publishFrame: (payload) => `{"service":"pubsub","message":{"type":"message","channel":"bench","message":${payload}}}`,
  });
  const snorkySide = await connect(snorkyPubSubTarget(server.frontendUrl));

  for (let round = 0; round < s.burstRounds * 2; round++) {
    for (const side of alternate(round, bareSide, snorkySide)) side.rates.push(await burstRound(side.publisher, side.publishFrame, side.subscribers));
  }
  const segments = 4;
  for (let round = 0; round < segments; round++) {
    for (const side of alternate(round, bareSide, snorkySide)) {
      await pacedRun(side.publisher, side.publishFrame, side.subscribers, s.pacedSeconds / segments, side.latencies);
    }
  }
  for (const ws of [bareSide, snorkySide].flatMap((side) => [side.publisher, ...side.sockets])) ws.terminate();
  baseline.stop();
  await server.stop();
  const bare = resultOf(bareSide);
  const snorky = resultOf(snorkySide);

  console.log('\n| server | burst deliveries/s | paced p50 ms | paced p99 ms |\n|---|---|---|---|');
  console.log(resultRow('bare ws (baseline)', bare));
  console.log(resultRow('Snorky PubSub', snorky));
  console.log(
    `\nratios: deliveries/s ${(snorky.deliveriesPerSecond / bare.deliveriesPerSecond).toFixed(2)}× baseline (target ≥ 0.9), ` +
      `p99 ${(snorky.p99 / bare.p99).toFixed(2)}× baseline (target ≤ 1.5), p50 ${(snorky.p50 / bare.p50).toFixed(2)}×`,
  );
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
