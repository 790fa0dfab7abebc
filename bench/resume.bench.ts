/**
 * npm run bench:resume — issue 12: what resuming 1 000 DataSync views costs, against refetching them
 * (docs/benchmarks.md, "Resuming 1 000 DataSync clients").
 *
 * Each round: 1 000 raw WebSocket clients (this process), each with its own resumable TasksByOwner
 * subscription (one owner each) on the standalone server (its own process); all their sockets drop;
 * 100 publishDeltas of 1 000 inserts (one row per owner: 100 missed deltas each); all reconnect. Then,
 * measured, all at once, either
 *   resume   resumeSubscription from the last position: the 100 deltas, then the reply;
 *   refetch  what an app does today after subscriptionLost: GET its 100 rows from the app (a tiny
 *            node http server, its own process, which authorizes a new subscription over Snorky's
 *            backend endpoint), then acquireSubscription.
 * Measured: first request → last view caught up (every row there, checked in order), per-view
 * p50/p99, CPU of the server (and of the app) during that phase. Rounds alternate between the two.
 * CLIENTS, MISSED, ROUNDS (per mode) override 1000, 100, 3. SETUPS=single,cluster adds two nodes on a
 * Redis started here (views subscribe on one, come back on the other); SETUPS=cluster runs only that.
 */
import http from 'http';
import { join } from 'path';
import { startStandaloneServer, StandaloneServer } from '../test/support/standalone-server';
import { startBaselineProcess } from './baseline-process';
import { RedisProcess } from '../test/cluster/support/redis-process';
import { UNLIMITED } from './bench-limits';
import { closeViews, measureRecovery, waitInSync, publishMissed, reconnect, RecoveryResult, refetchAll, resumeAll, subscribeViews } from './resume/resume-round';

const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const MISSED = Number(process.env.MISSED ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
// SETUPS=single,cluster runs the cluster too (two nodes on a Redis started here).
const SETUPS = (process.env.SETUPS ?? 'single').split(',');

type Mode = 'resume' | 'refetch';

function startNode(redisUrl?: string): Promise<StandaloneServer> {
  return startStandaloneServer({
    services: [
      {
        type: 'datasync',
        name: 'datasync',
        backend: 'datasync_backend',
        dealers: [{ name: 'TasksByOwner', model: 'Task', type: 'simple', key: 'owner' }],
      },
    ],
    frontend: { pingInterval: 0 },
    ...UNLIMITED,
    ...(redisUrl ? { cluster: { redis: redisUrl } } : {}),
  });
}

/**
 * Alternating rounds on one setup: views subscribe on `first`, come back on `second` (the same node,
 * or in the cluster the other one). `pids` are the processes whose CPU counts as Snorky's.
 */
async function runRounds(first: StandaloneServer, second: StandaloneServer, pids: Record<string, number>): Promise<{ mode: Mode; result: RecoveryResult }[]> {
  const app = await startBaselineProcess(join(__dirname, 'resume', 'refetch-app.js'), [second.backendUrl, second.apiKey, String(MISSED)]);
  // The browsers' keep-alive connections to the app, opened before the first refetch.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
  const results: { mode: Mode; result: RecoveryResult }[] = [];
  try {
    for (let round = 0; round < 2 * ROUNDS; round++) {
      const mode: Mode = round % 2 === 0 ? 'resume' : 'refetch';
      // Fresh owners each round: nothing left from an earlier round is routed to.
      const owners = Array.from({ length: CLIENTS }, (_, i) => (round + 1) * 100_000 + i);
      const views = await subscribeViews(first, owners);
      views.forEach((v) => v.drop());
      await new Promise((r) => setTimeout(r, 300));
      await publishMissed(first, views, MISSED);
      await reconnect(second.frontendUrl, views);
      if (second !== first) await waitInSync(first, second);
      if (round === 1) await warmUp(app.url, agent);
      const measured = { ...pids, app: app.pid };
      const result = await measureRecovery(measured, views, () => (mode === 'resume' ? resumeAll(views, MISSED, { url: app.url, agent }) : refetchAll(views, { url: app.url, agent }, MISSED)));
      results.push({ mode, result });
      console.log(`round ${round + 1} ${mode.padEnd(7)} ${row(result)}`);
      await closeViews(views);
    }
  } finally {
    agent.destroy();
    app.stop();
  }
  return results;
}

async function main(): Promise<void> {
  console.log(`bench:resume — ${CLIENTS} views, ${MISSED} missed deltas each, ${ROUNDS} rounds per mode (alternating)`);
  if (SETUPS.includes('single')) {
    console.log('\n## single node (memory journal)');
    const node = await startNode();
    try {
      report(await runRounds(node, node, { snorky: node.process.pid! }));
    } finally {
      await node.stop();
    }
  }
  if (SETUPS.includes('cluster')) {
    console.log('\n## two nodes on Redis (Redis journal): views subscribe on one node, come back on the other');
    const redis = await RedisProcess.start();
    const nodes = await Promise.all([startNode(redis.url), startNode(redis.url)]);
    try {
      report(await runRounds(nodes[0], nodes[1], { snorky: nodes[1].process.pid!, 'first node': nodes[0].process.pid!, redis: redis.pid! }));
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await redis.stop();
    }
  }
}

function row(r: RecoveryResult): string {
  const cpu = Object.entries(r.cpuMs).map(([name, ms]) => `${name === 'snorky' ? 'Snorky' : name} CPU ${ms.toFixed(0)} ms`);
  return `caught up in ${r.wallMs.toFixed(0)} ms (per view p50 ${r.p50ms.toFixed(0)} ms, p99 ${r.p99ms.toFixed(0)} ms), ${cpu.join(', ')}, clients CPU ${r.clientCpuMs.toFixed(0)} ms${r.refusals ? `, ${r.refusals} resumes refused with Service unavailable and retried` : ''}${r.lost ? `, ${r.lost} views lost (Cannot resume subscription) and refetched` : ''}`;
}

function report(results: { mode: Mode; result: RecoveryResult }[]): void {
  const names = [...new Set(results.flatMap((x) => Object.keys(x.result.cpuMs)))];
  const total = (r: RecoveryResult) => Object.values(r.cpuMs).reduce((a, b) => a + b, 0);
  const label = (name: string) => (name === 'snorky' ? 'Snorky' : name);
  console.log(`\n| round | mode | caught up (ms) | per view p50 (ms) | p99 (ms) | ${names.map((n) => `${label(n)} CPU (ms)`).join(' | ')} | all server-side CPU (ms) | clients CPU (ms) | retried resumes | lost, refetched |`);
  console.log(`|---|---|---|---|---|${names.map(() => '---|').join('')}---|---|---|---|`);
  results.forEach(({ mode, result: r }, i) =>
    console.log(
      `| ${i + 1} | ${mode} | ${r.wallMs.toFixed(0)} | ${r.p50ms.toFixed(0)} | ${r.p99ms.toFixed(0)} | ${names.map((n) => r.cpuMs[n]?.toFixed(0) ?? '—').join(' | ')} | ${total(r).toFixed(0)} | ${r.clientCpuMs.toFixed(0)} | ${r.refusals} | ${r.lost} |`,
    ),
  );
  const median = (mode: Mode, pick: (r: RecoveryResult) => number) => {
    const xs = results.filter((x) => x.mode === mode).map((x) => pick(x.result)).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)];
  };
  const ratio = (pick: (r: RecoveryResult) => number) => (median('resume', pick) / median('refetch', pick)).toFixed(2);
  console.log(`\nmedians, resume / refetch:`);
  console.log(`  time to caught up         ${ratio((r) => r.wallMs)}×`);
  console.log(`  per view p50              ${ratio((r) => r.p50ms)}×, p99 ${ratio((r) => r.p99ms)}×`);
  console.log(`  Snorky CPU                ${ratio((r) => r.cpuMs.snorky)}×`);
  console.log(`  all server-side CPU       ${ratio(total)}× (refetch: Snorky + the app${names.includes('redis') ? '; both: both nodes + Redis' : ''})`);
}

/** Opens the agent's connections to the app once, so no round pays for them. */
async function warmUp(appUrl: string, agent: http.Agent): Promise<void> {
  await Promise.all(
    Array.from({ length: 100 }, () => new Promise<void>((resolve, reject) => http.get(`${appUrl}rows?owner=0`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject))),
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
