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
 * CLIENTS, MISSED, ROUNDS (per mode) override 1000, 100, 3.
 */
import http from 'http';
import { join } from 'path';
import { startStandaloneServer, StandaloneServer } from '../test/support/standalone-server';
import { startBaselineProcess } from './baseline-process';
import { UNLIMITED } from './bench-limits';
import { closeViews, measureRecovery, publishMissed, reconnect, RecoveryResult, refetchAll, resumeAll, subscribeViews } from './resume/resume-round';

const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const MISSED = Number(process.env.MISSED ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

type Mode = 'resume' | 'refetch';

function startServer(): Promise<StandaloneServer> {
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
  });
}

async function main(): Promise<void> {
  console.log(`bench:resume — ${CLIENTS} views, ${MISSED} missed deltas each, ${ROUNDS} rounds per mode (alternating)`);
  const server = await startServer();
  const app = await startBaselineProcess(join(__dirname, 'resume', 'refetch-app.js'), [server.backendUrl, server.apiKey, String(MISSED)]);
  // The browsers' keep-alive connections to the app, opened before the first round.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
  const results: { mode: Mode; result: RecoveryResult }[] = [];
  try {
    for (let round = 0; round < 2 * ROUNDS; round++) {
      const mode: Mode = round % 2 === 0 ? 'resume' : 'refetch';
      // Fresh owners each round: nothing left from an earlier round is routed to.
      const owners = Array.from({ length: CLIENTS }, (_, i) => (round + 1) * 100_000 + i);
      const views = await subscribeViews(server, owners);
      views.forEach((v) => v.drop());
      await new Promise((r) => setTimeout(r, 300));
      await publishMissed(server, views, MISSED);
      await reconnect(server.frontendUrl, views);
      if (round === 1) await warmUp(app.url, agent);
      const pids: Record<string, number> = mode === 'resume' ? { snorky: server.process.pid! } : { snorky: server.process.pid!, app: app.pid };
      const result = await measureRecovery(pids, () => (mode === 'resume' ? resumeAll(views, MISSED) : refetchAll(views, app.url, agent, MISSED)));
      results.push({ mode, result });
      console.log(`round ${round + 1} ${mode.padEnd(7)} ${row(result)}`);
      await closeViews(views);
    }
  } finally {
    agent.destroy();
    app.stop();
    await server.stop();
  }
  report(results);
}

function row(r: RecoveryResult): string {
  const app = r.cpuMs.app === undefined ? '' : `, app CPU ${r.cpuMs.app.toFixed(0)} ms`;
  return `caught up in ${r.wallMs.toFixed(0)} ms (per view p50 ${r.p50ms.toFixed(0)} ms, p99 ${r.p99ms.toFixed(0)} ms), Snorky CPU ${r.cpuMs.snorky.toFixed(0)} ms${app}, clients CPU ${r.clientCpuMs.toFixed(0)} ms`;
}

function report(results: { mode: Mode; result: RecoveryResult }[]): void {
  console.log('\n| round | mode | caught up (ms) | per view p50 (ms) | p99 (ms) | Snorky CPU (ms) | app CPU (ms) | clients CPU (ms) |');
  console.log('|---|---|---|---|---|---|---|---|');
  results.forEach(({ mode, result: r }, i) =>
    console.log(
      `| ${i + 1} | ${mode} | ${r.wallMs.toFixed(0)} | ${r.p50ms.toFixed(0)} | ${r.p99ms.toFixed(0)} | ${r.cpuMs.snorky.toFixed(0)} | ${r.cpuMs.app?.toFixed(0) ?? '—'} | ${r.clientCpuMs.toFixed(0)} |`,
    ),
  );
  const median = (mode: Mode, pick: (r: RecoveryResult) => number) => {
    const xs = results.filter((x) => x.mode === mode).map((x) => pick(x.result)).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)];
  };
  const ratio = (pick: (r: RecoveryResult) => number) => (median('resume', pick) / median('refetch', pick)).toFixed(2);
  console.log(`\nmedians, resume / refetch:`);
  console.log(`  time to caught up       ${ratio((r) => r.wallMs)}×`);
  console.log(`  per view p50            ${ratio((r) => r.p50ms)}×, p99 ${ratio((r) => r.p99ms)}×`);
  console.log(`  Snorky CPU              ${ratio((r) => r.cpuMs.snorky)}×`);
  console.log(`  Snorky + app CPU        ${ratio((r) => r.cpuMs.snorky + (r.cpuMs.app ?? 0))}×`);
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
