import http from 'http';
import { StandaloneServer } from '../../test/support/standalone-server';
import { backendCall } from '../datasync-http';
import { openSockets } from '../fanout/fanout-clients';
import { processCpuMs } from './process-cpu';
import { CallRefused, taskRow, WireView } from './wire-view';

export interface RecoveryResult {
  /** First request sent → last view caught up. */
  wallMs: number;
  p50ms: number;
  p99ms: number;
  /** CPU used during the recovery by each measured process (Snorky, and the app for the refetch). */
  cpuMs: Record<string, number>;
  /** CPU of this process (the 1 000 clients) meanwhile: on 2 shared cores it competes with the server. */
  clientCpuMs: number;
  /** resumeSubscription answered `Service unavailable` and tried again (SDK backoff), all views together. */
  refusals: number;
  /** Views refused `Cannot resume subscription`, which then refetched. */
  lost: number;
}

/** `n` views on the server, each with its own resumable TasksByOwner subscription (one owner each). */
export async function subscribeViews(server: StandaloneServer, owners: number[]): Promise<WireView[]> {
  const views = owners.map((owner) => new WireView(owner));
  const sockets = await openSockets(server.frontendUrl, views.length);
  views.forEach((view, i) => view.attach(sockets[i]));
  for (let i = 0; i < views.length; i += 100) {
    await Promise.all(
      views.slice(i, i + 100).map(async (view) => {
        const token = await backendCall(server, 'authorizeSubscription', { items: [{ dealer: 'TasksByOwner', query: view.owner }] });
        await view.acquire(token);
      }),
    );
  }
  return views;
}

/** `batches` publishDeltas, each one transaction with one new row per view: `batches` missed deltas per view. */
export async function publishMissed(server: StandaloneServer, views: WireView[], batches: number): Promise<void> {
  for (let seq = 0; seq < batches; seq++) {
    await backendCall(server, 'publishDeltas', { deltas: views.map((v) => ({ type: 'insert', model: 'Task', data: taskRow(v.owner, seq) })) });
  }
}

/** Every view gets a new socket (opened in batches of 100, as before the measured phase). */
export async function reconnect(url: string, views: WireView[]): Promise<void> {
  const sockets = await openSockets(url, views.length);
  views.forEach((view, i) => view.attach(sockets[i]));
}

/**
 * Waits until `second` has taken in every batch published on `first` (a probe subscription's
 * position on each), so a cluster round measures the resumes, not the other node still reading the batches.
 */
export async function waitInSync(first: StandaloneServer, second: StandaloneServer): Promise<void> {
  const head = async (server: StandaloneServer) => {
    const [probe] = await subscribeViews(server, [-1]);
    await closeViews([probe]);
    return probe.position.seq;
  };
  const target = await head(first);
  const deadline = Date.now() + 60_000;
  while ((await head(second)) < target) {
    if (Date.now() > deadline) throw new Error('the second node did not catch up with the journal in 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Cancels every view's subscription and closes its socket, so rounds do not add up on the server. */
export async function closeViews(views: WireView[]): Promise<void> {
  await Promise.all(views.map((v) => v.call('cancelSubscription', { token: v.token })));
  views.forEach((v) => v.drop());
}

/** Each view at once: resumeSubscription from its last position, all missed deltas before the reply. */
/** The app's side of a view: its rows (and a new token) over HTTP, as after subscriptionLost. */
export interface App {
  url: string;
  /** The browsers' keep-alive connections to the app. */
  agent: http.Agent;
}

/**
 * Each view at once: resumeSubscription from its last position, all missed deltas before the reply.
 * A view told `Cannot resume subscription` (its resume window ran out meanwhile) is lost: it refetches.
 */
export const resumeAll = (views: WireView[], missed: number, app: App) =>
  views.map((view) =>
    timed(async () => {
      try {
        await view.resume(missed);
      } catch (err) {
        if (!(err instanceof CallRefused && err.reason === 'Cannot resume subscription')) throw err;
        view.lost = true;
        await refetch(view, app, missed);
      }
    }),
  );

/** Each view at once does what an app does after subscriptionLost: GET its rows from the app, then acquireSubscription. */
export const refetchAll = (views: WireView[], app: App, rows: number) => views.map((view) => timed(() => refetch(view, app, rows)));

async function refetch(view: WireView, app: App, rows: number): Promise<void> {
  const { token, rows: fetched } = await getJson(`${app.url}rows?owner=${view.owner}`, app.agent);
  view.takeRows(fetched, rows);
  await view.acquire(token);
}

/** Runs a recovery (started by `start`, resolved per view with its ms), measuring time and CPU. */
export async function measureRecovery(pids: Record<string, number>, views: WireView[], start: () => Promise<number>[]): Promise<RecoveryResult> {
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)]));
  const clientBefore = process.cpuUsage();
  const t0 = performance.now();
  const times = await Promise.all(start());
  const wallMs = performance.now() - t0;
  const client = process.cpuUsage(clientBefore);
  times.sort((a, b) => a - b);
  return {
    wallMs,
    p50ms: times[Math.floor(times.length * 0.5)],
    p99ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))],
    cpuMs: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid) - cpuBefore[name]])),
    clientCpuMs: (client.user + client.system) / 1000,
    refusals: views.reduce((sum, v) => sum + v.refusals, 0),
    lost: views.filter((v) => v.lost).length,
  };
}

async function timed(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

function getJson(url: string, agent: http.Agent): Promise<any> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`GET ${url}: ${res.statusCode} ${text}`))));
      })
      .on('error', reject);
  });
}
