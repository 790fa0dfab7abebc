/**
 * bench:metrics — what Prometheus metrics cost: two standalone servers side by side, one with
 * metrics on (its /metrics scraped every second, as Prometheus would, only faster) and one with
 * `"metrics": false`, measured alternately (A B, B A, ...) so drift hits both alike:
 *   fan-out: PubSub to 1000 subscribers, burst deliveries/s (median round) and paced p99;
 *   RPC: 50 connections each calling pubsub.publish (channel without subscribers) in a closed
 *        loop: requests/s and p99 latency.
 * Target (issue 14): metrics on ≥ 0.95× metrics off.
 */
import WebSocket from 'ws';
import { startStandaloneServer, StandaloneServer } from '../test/support/standalone-server';
import { openSockets, subscribeAll } from './fanout/fanout-clients';
import { burstRound, FANOUT_SETTINGS, median, pacedRun, percentile, snorkyPubSubTarget } from './fanout/fanout-measure';

const RPC_CONNECTIONS = 50;
const RPC_SECONDS = Number(process.env.RPC_SECONDS ?? 2);
const ROUNDS = Number(process.env.ROUNDS ?? 6);

interface Side {
  name: string;
  server: StandaloneServer;
  rates: number[];
  latencies: number[];
  rpcRates: number[];
  rpcLatencies: number[];
}

async function startSide(name: string, metrics: boolean): Promise<Side> {
  const server = await startStandaloneServer({
    metrics,
    frontend: { pingInterval: 0 },
    services: [{ type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend' }],
  });
  return { name, server, rates: [], latencies: [], rpcRates: [], rpcLatencies: [] };
}

/** `RPC_CONNECTIONS` clients, each with one request in flight, for `RPC_SECONDS`. */
async function rpcRound(sockets: WebSocket[], latencies: number[]): Promise<number> {
  let done = 0;
  const end = performance.now() + RPC_SECONDS * 1000;
  await Promise.all(
    sockets.map(
      (ws, k) =>
        new Promise<void>((resolve) => {
          let callId = 0;
          let sentAt = 0;
          const send = () => {
            sentAt = performance.now();
            ws.send(`{"service":"pubsub","message":{"command":"publish","params":{"channel":"rpc-${k}","message":${callId}},"callId":${callId++}}}`);
          };
          ws.on('message', function onReply() {
            const now = performance.now();
            latencies.push(now - sentAt);
            done++;
            if (now < end) return send();
            ws.off('message', onReply);
            resolve();
          });
          send();
        }),
    ),
  );
  return done / RPC_SECONDS;
}

async function main(): Promise<void> {
  console.log(`bench:metrics — fan-out to ${FANOUT_SETTINGS.subscribers} subscribers and RPC from ${RPC_CONNECTIONS} connections, metrics on vs off, ${ROUNDS} alternating rounds`);
  const on = await startSide('metrics on', true);
  const off = await startSide('metrics off', false);
  const scrapeUrl = new URL('/metrics', on.server.backendUrl).toString();
  let scrapes = 0;
  const scraper = setInterval(() => {
    fetch(scrapeUrl).then((r) => r.text()).then(() => scrapes++, () => undefined);
  }, 1000);

  const fanout = new Map<Side, { publisher: WebSocket; publishFrame: (p: string) => string; subscribers: Awaited<ReturnType<typeof subscribeAll>>; rpc: WebSocket[] }>();
  for (const side of [on, off]) {
    const target = snorkyPubSubTarget(side.server.frontendUrl);
    const sockets = await openSockets(side.server.frontendUrl, FANOUT_SETTINGS.subscribers + 1 + RPC_CONNECTIONS);
    const rpc = sockets.splice(0, RPC_CONNECTIONS);
    const publisher = sockets.pop()!;
    fanout.set(side, { publisher, publishFrame: target.publishFrame, subscribers: await subscribeAll(target, sockets), rpc });
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [on, off] : [off, on];
    for (const side of order) {
      const f = fanout.get(side)!;
      side.rates.push(await burstRound(f.publisher, f.publishFrame, f.subscribers));
      await pacedRun(f.publisher, f.publishFrame, f.subscribers, 1, side.latencies);
    }
    for (const side of order) side.rpcRates.push(await rpcRound(fanout.get(side)!.rpc, side.rpcLatencies));
    console.log(
      `  round ${round + 1}: fan-out on/off ${(on.rates[round] / off.rates[round]).toFixed(2)}×, RPC on/off ${(on.rpcRates[round] / off.rpcRates[round]).toFixed(2)}× ` +
        `(${Math.round(on.rpcRates[round])} vs ${Math.round(off.rpcRates[round])} requests/s)`,
    );
  }
  clearInterval(scraper);
  for (const f of fanout.values()) for (const ws of [f.publisher, ...f.rpc, ...f.subscribers.map((s) => s.ws)]) ws.terminate();
  await Promise.all([on.server.stop(), off.server.stop()]);

  console.log('\n| server | fan-out deliveries/s | fan-out paced p99 ms | RPC requests/s | RPC p99 ms |\n|---|---|---|---|---|');
  for (const side of [off, on]) {
    console.log(
      `| ${side.name} | ${Math.round(median(side.rates)).toLocaleString('en')} | ${percentile(side.latencies, 0.99).toFixed(2)} | ` +
        `${Math.round(median(side.rpcRates)).toLocaleString('en')} | ${percentile(side.rpcLatencies, 0.99).toFixed(2)} |`,
    );
  }
  console.log(
    `\nratios (on / off): fan-out deliveries/s ${(median(on.rates) / median(off.rates)).toFixed(3)}×, ` +
      `RPC requests/s ${(median(on.rpcRates) / median(off.rpcRates)).toFixed(3)}× (target ≥ 0.95); ` +
      `p99 fan-out ${(percentile(on.latencies, 0.99) / percentile(off.latencies, 0.99)).toFixed(2)}×, RPC ${(percentile(on.rpcLatencies, 0.99) / percentile(off.rpcLatencies, 0.99)).toFixed(2)}×; ` +
      `${scrapes} scrapes of /metrics during the run`,
  );
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
