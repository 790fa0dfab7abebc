/**
 * bench:fanout — 1000 WebSocket subscribers on one channel, one publisher.
 * Measures Snorky's PubSub (the standalone server) against a bare `ws` broadcast server in the same run,
 * each server in its own process, the clients in this one:
 *   burst: deliveries per second while the publisher sends as fast as it can;
 *   paced: 50 publishes/s, latency from publish to delivery, p50/p99.
 */
import { spawn } from 'child_process';
import { join } from 'path';
import { startStandaloneServer } from '../test/support/standalone-server';
import { FanoutTarget, openSockets, subscribeAll } from './fanout/fanout-clients';
import { FANOUT_SETTINGS, FanoutResult, measureFanout, resultRow, snorkyPubSubTarget } from './fanout/fanout-measure';

async function measure(target: FanoutTarget): Promise<FanoutResult> {
  const sockets = await openSockets(target.url, FANOUT_SETTINGS.subscribers + 1);
  const publisher = sockets.pop()!;
  const subscribers = await subscribeAll(target, sockets);
  const result = await measureFanout(publisher, target.publishFrame, subscribers);
  for (const ws of [publisher, ...sockets]) ws.terminate();
  return result;
}

/** The baseline server in its own process; resolves with its URL and a stop function. */
async function startBaseline(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [join(__dirname, 'fanout', 'ws-broadcast-server.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function main(): Promise<void> {
  const s = FANOUT_SETTINGS;
  console.log(`bench:fanout — ${s.subscribers} subscribers, burst ${s.burstRounds}×${s.burstMessages} publishes, paced ${s.pacedRate}/s for ${s.pacedSeconds} s`);
  const baseline = await startBaseline();
  const bare = await measure({
    name: 'bare ws',
    url: baseline.url,
    subscribeFrame: 'sub',
    publishFrame: (payload) => `{"service":"pubsub","message":{"type":"message","channel":"bench","message":${payload}}}`,
  });
  baseline.stop();

  const server = await startStandaloneServer({ services: [{ type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend' }], frontend: { pingInterval: 0 } });
  const snorky = await measure(snorkyPubSubTarget(server.frontendUrl));
  await server.stop();

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
