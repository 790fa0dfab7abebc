/**
 * npm run bench:datasync — the DataSync numbers recorded in docs/benchmarks.md (## DataSync):
 *  1. routing one delta among 100 000 equality-filter subscriptions + 1 000 scan-only filters,
 *     indexed vs naive filter dealer, in the same run (required: indexed <= 1/100 of naive);
 *  2. authorizeSubscription per second over the backend HTTP endpoint (required: >= 4 000/s);
 *  3. fan-out of one delta to 10 000 simple-dealer subscribers over real WebSockets.
 * The server runs in its own process (the standalone server); load and clients run here.
 */
import { authorizationBench, fanoutBench, startDataSyncServer } from './datasync-http';
import { engineFanoutBench, routingBench } from './datasync-routing';

const only = process.env.ONLY?.split(',');
const run = (part: string) => !only || only.includes(part);

async function main() {
  let failed = false;
  if (run('routing')) {
    const r = routingBench();
    console.log(`## 1. routing one update delta (${r.equalitySubscriptions} equality + ${r.scanSubscriptions} scan-only filter subscriptions)`);
    console.log(`naive   (original: every raw filter interpreted) : ${r.naiveMs.toFixed(3)} ms per delta`);
    console.log(`scan    (every filter tested, compiled once)     : ${r.scanMs.toFixed(3)} ms per delta`);
    console.log(`indexed (equality index + scan list)             : ${(r.indexedMs * 1000).toFixed(1)} µs per delta`);
    console.log(`ratio naive / indexed : ${r.ratio.toFixed(0)}x  (required >= 100x)`);
    console.log(`ratio scan / indexed  : ${r.scanRatio.toFixed(0)}x  (the index alone; bounded by the ${r.scanSubscriptions} scanned filters)`);
    console.log(`deliveries (same for all three): ${r.delivered.indexed}`);
    if (r.ratio < 100) failed = true;
    const f = engineFanoutBench();
    console.log(`engine only: one delta to ${f.delivered} simple-dealer subscriptions: ${f.ms.toFixed(2)} ms (original clients), ` +
      `${f.resumableMs.toFixed(2)} ms (resumable: a frame each, its prefix and the shared tail copied into one buffer), ratio ${(f.resumableMs / f.ms).toFixed(2)}`);
  }
  if (run('authorize') || run('fanout')) {
    const server = await startDataSyncServer();
    try {
      if (run('authorize')) {
        const a = await authorizationBench(server);
        console.log(`\n## 2. authorizeSubscription over HTTP (${a.connections} keep-alive connections, ${a.seconds} s)`);
        console.log(`${a.perSecond.toFixed(0)} authorizations/s (required >= 4000), p50 ${a.p50ms} ms, p99 ${a.p99ms} ms, ${a.requests} requests, ${a.errors} errors`);
        if (a.perSecond < 4000 || a.errors > 0) failed = true;
      }
      if (run('fanout')) {
        // Original clients and resumable subscriptions, alternating (one set of sockets at a time).
        const results: Record<'original' | 'resumable', number[]> = { original: [], resumable: [] };
        let subscribers = 0;
        for (let round = 0; round < 4; round++) {
          const resume = round % 2 === 1;
          const f = await fanoutBench(server, 10_000, 5, resume);
          subscribers = f.subscribers;
          results[resume ? 'resumable' : 'original'].push(f.medianMs);
        }
        const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        console.log(`\n## 3. fan-out of one delta to ${subscribers} simple-dealer subscribers (real WebSockets), median of 5 per set, sets alternated`);
        console.log(`publishDeltas -> last client has it: original clients ${results.original.map((x) => x.toFixed(1)).join(' / ')} ms; ` +
          `resumable ${results.resumable.map((x) => x.toFixed(1)).join(' / ')} ms; ratio resumable/original ${(med(results.resumable) / med(results.original)).toFixed(2)}`);
      }
    } finally {
      await server.stop();
    }
  }
  if (failed) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
