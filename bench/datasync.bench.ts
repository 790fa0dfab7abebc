/**
 * npm run bench:datasync — DataSync numbers recorded in docs/benchmarks.md (## DataSync).
 *  1. routing one delta among 100 000 equality-filter subscriptions + 1 000 scan-only filters,
 *     indexed vs naive filter dealer, in the same run;
 *  2. fan-out of one delta to 10 000 simple-dealer subscribers.
 */
import { engineFanoutBench, routingBench } from './datasync-routing';

async function main() {
  const r = routingBench();
  console.log(`## routing one update delta (${r.equalitySubscriptions} equality + ${r.scanSubscriptions} scan-only filter subscriptions)`);
  console.log(`naive   (every filter tested): ${r.naiveMs.toFixed(3)} ms per delta`);
  console.log(`indexed (equality index)     : ${(r.indexedMs * 1000).toFixed(1)} µs per delta`);
  console.log(`ratio naive / indexed        : ${r.ratio.toFixed(0)}x  (required >= 100x)`);
  console.log(`deliveries (same for both)   : ${r.delivered.indexed}`);
  if (r.ratio < 100) process.exitCode = 1;

  const f = engineFanoutBench();
  console.log(`\n## fan-out inside the engine: one delta to ${f.delivered} simple-dealer subscribers: ${f.ms.toFixed(2)} ms`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
