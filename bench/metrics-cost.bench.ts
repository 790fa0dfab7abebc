/**
 * bench:metrics — what Prometheus metrics cost: two standalone servers side by side, one with
 * metrics on (its /metrics scraped every second, as Prometheus would, only faster) and one with
 * `"metrics": false`, measured alternately (A B, B A, ...) so drift hits both alike:
 *   fan-out: PubSub to 1000 subscribers, burst deliveries/s (median round) and paced p99;
 *   RPC: 50 connections each calling pubsub.publish (channel without subscribers) in a closed
 *        loop: requests/s and p99 latency.
 *   RPC dispatch in process: the same requests through a registry and a real PubSubService with no
 *        sockets (bench/metrics/rpc-dispatch.ts), CPU µs per request, 300 alternating rounds of 2000 requests.
 * Target (issue 14): metrics on ≥ 0.95× metrics off.
 *
 * On a shared machine wall-clock rates swing by 2× from round to round, so each round also reads the
 * server process's CPU time (/proc/<pid>/stat): CPU per delivery and per request is what metrics
 * cost, and it hardly depends on what else runs.
 */
import { readFileSync } from 'fs';
import WebSocket from 'ws';
import { startStandaloneServer, StandaloneServer } from '../test/support/standalone-server';
import { openSockets, subscribeAll } from './fanout/fanout-clients';
import { measureRpcDispatch } from './metrics/rpc-dispatch';
import { burstRound, FANOUT_SETTINGS, median, pacedRun, percentile, snorkyPubSubTarget } from './fanout/fanout-measure';

const RPC_CONNECTIONS = 50;
const RPC_SECONDS = Number(process.env.RPC_SECONDS ?? 2);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const BURSTS_PER_ROUND = 3;

interface Side {
  name: string;
  server: StandaloneServer;
  rates: number[];
  latencies: number[];
  rpcRates: number[];
  rpcLatencies: number[];
  /** CPU µs of the server per delivery (fan-out) and per request (RPC), one per round. */
  cpuPerDelivery: number[];
  cpuPerRequest: number[];
}

/** The process's user + system CPU time in µs (clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function startSide(name: string, metrics: boolean): Promise<Side> {
  const server = await startStandaloneServer({
    metrics,
    frontend: { pingInterval: 0 },
    services: [{ type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend' }],
  });
  return { name, server, rates: [], latencies: [], rpcRates: [], rpcLatencies: [], cpuPerDelivery: [], cpuPerRequest: [] };
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
  const dispatch = await measureRpcDispatch(300);
  console.log(
    `RPC dispatch in process (no sockets): CPU µs per request on ${median(dispatch.on).toFixed(2)} / off ${median(dispatch.off).toFixed(2)} ` +
      `(median of 300 alternating rounds of 2000): throughput ratio ${(median(dispatch.off) / median(dispatch.on)).toFixed(3)}× (target ≥ 0.95)`,
  );
  if (process.env.ONLY === 'dispatch') process.exit(0);
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
      const pid = side.server.process.pid!;
      let cpu = cpuMicros(pid);
      for (let burst = 0; burst < BURSTS_PER_ROUND; burst++) side.rates.push(await burstRound(f.publisher, f.publishFrame, f.subscribers));
      side.cpuPerDelivery.push((cpuMicros(pid) - cpu) / (BURSTS_PER_ROUND * FANOUT_SETTINGS.burstMessages * f.subscribers.length));
      await pacedRun(f.publisher, f.publishFrame, f.subscribers, 1, side.latencies);
    }
    for (const side of order) {
      const pid = side.server.process.pid!;
      const cpu = cpuMicros(pid);
      const rate = await rpcRound(fanout.get(side)!.rpc, side.rpcLatencies);
      side.rpcRates.push(rate);
      side.cpuPerRequest.push((cpuMicros(pid) - cpu) / (rate * RPC_SECONDS));
    }
    console.log(
      `  round ${round + 1}: CPU µs per delivery on ${on.cpuPerDelivery[round].toFixed(3)} / off ${off.cpuPerDelivery[round].toFixed(3)}, ` +
        `per RPC on ${on.cpuPerRequest[round].toFixed(1)} / off ${off.cpuPerRequest[round].toFixed(1)}; ` +
        `RPC ${Math.round(on.rpcRates[round])} vs ${Math.round(off.rpcRates[round])} requests/s`,
    );
  }
  clearInterval(scraper);
  for (const f of fanout.values()) for (const ws of [f.publisher, ...f.rpc, ...f.subscribers.map((s) => s.ws)]) ws.terminate();
  await Promise.all([on.server.stop(), off.server.stop()]);

  console.log('\n| server | fan-out deliveries/s | fan-out paced p99 ms | server CPU µs per delivery | RPC requests/s | RPC p99 ms | server CPU µs per request |\n|---|---|---|---|---|---|---|');
  for (const side of [off, on]) {
    console.log(
      `| ${side.name} | ${Math.round(median(side.rates)).toLocaleString('en')} | ${percentile(side.latencies, 0.99).toFixed(2)} | ${median(side.cpuPerDelivery).toFixed(3)} | ` +
        `${Math.round(median(side.rpcRates)).toLocaleString('en')} | ${percentile(side.rpcLatencies, 0.99).toFixed(2)} | ${median(side.cpuPerRequest).toFixed(1)} |`,
    );
  }
  console.log(
    `\nCPU-bound throughput ratio (off CPU / on CPU per operation, median of rounds): fan-out ${(median(off.cpuPerDelivery) / median(on.cpuPerDelivery)).toFixed(3)}×, ` +
      `RPC ${(median(off.cpuPerRequest) / median(on.cpuPerRequest)).toFixed(3)}× (target ≥ 0.95)`,
  );
  console.log(
    `wall-clock ratios (on / off, noisy on a shared machine): fan-out deliveries/s ${(median(on.rates) / median(off.rates)).toFixed(3)}×, ` +
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
