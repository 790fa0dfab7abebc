import autocannon from 'autocannon';
import WebSocket from 'ws';
import { startStandaloneServer, StandaloneServer } from '../test/support/standalone-server';
import { openSockets } from './fanout/fanout-clients';

/** The standalone server with the declarative DataSync entry (as the interop teams run it). */
export function startDataSyncServer(): Promise<StandaloneServer> {
  return startStandaloneServer({
    services: [
      {
        type: 'datasync',
        name: 'datasync',
        backend: 'datasync_backend',
        unacquiredTimeout: 120,
        dealers: [
          { name: 'AllTasks', model: 'Task', type: 'broadcast' },
          { name: 'TasksByOwner', model: 'Task', type: 'simple', key: 'owner' },
          { name: 'FilteredTasks', model: 'Task', type: 'filter' },
        ],
      },
    ],
  });
}

export async function backendCall(server: StandaloneServer, command: string, params: object): Promise<any> {
  const res = await fetch(server.backendUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Backend-Key': server.apiKey },
    body: JSON.stringify({ service: 'datasync_backend', message: { command, params } }),
  });
  const body = await res.json();
  if (body.message.type !== 'response') throw new Error(`${command}: ${JSON.stringify(body.message)}`);
  return body.message.data;
}

export interface AuthorizationResult {
  perSecond: number;
  p50ms: number;
  p99ms: number;
  requests: number;
  errors: number;
  connections: number;
  seconds: number;
}

/**
 * authorizeSubscription over the real backend HTTP endpoint (API key, JSON body, reply envelope),
 * keep-alive connections like a web app's connection pool; each call creates a real subscription
 * (a filter item, so the filter is parsed and indexed) that stays until it expires.
 */
export async function authorizationBench(server: StandaloneServer, seconds = 10, connections = 32): Promise<AuthorizationResult> {
  const body = JSON.stringify({
    service: 'datasync_backend',
    message: { command: 'authorizeSubscription', params: { items: [{ dealer: 'FilteredTasks', query: ['and', ['==', 'owner', 'alice'], ['==', 'done', false]] }] } },
  });
  // a sanity call first: the body really authorizes
  await fetch(server.backendUrl, { method: 'POST', headers: { 'X-Backend-Key': server.apiKey }, body }).then(async (r) => {
    const reply = (await r.json()).message;
    if (reply.type !== 'response' || typeof reply.data !== 'string') throw new Error(`authorization failed: ${JSON.stringify(reply)}`);
  });
  const result = await autocannon({
    url: server.backendUrl,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-backend-key': server.apiKey },
    body,
    connections,
    duration: seconds,
  });
  return {
    perSecond: result.requests.average,
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.non2xx + result.timeouts,
    connections,
    seconds,
  };
}

export interface FanoutResult {
  subscribers: number;
  rounds: number;
  medianMs: number;
  worstMs: number;
}

/**
 * One insert delta published over the backend endpoint to `n` real WebSocket clients, each
 * holding a TasksByOwner subscription on the same owner: time from the publishDeltas request
 * until the last client has the delta. `resume`: the subscriptions are resumable (a `deltas` frame
 * per subscription, with its token) instead of original clients' (one `delta` frame shared by all).
 */
export async function fanoutBench(server: StandaloneServer, n = 10_000, rounds = 5, resume = false): Promise<FanoutResult> {
  const sockets = await openSockets(server.frontendUrl, n);
  let received = 0;
  // authorize in parallel batches, acquire each token on its own socket
  for (let i = 0; i < n; i += 500) {
    const batch = sockets.slice(i, i + 500);
    await Promise.all(
      batch.map(async (ws) => {
        const token = await backendCall(server, 'authorizeSubscription', { items: [{ dealer: 'TasksByOwner', query: 'alice' }] });
        await new Promise<void>((resolve, reject) => {
          ws.once('message', (data: Buffer) => {
            const reply = JSON.parse(data.toString()).message;
            if (reply.type === 'response') resolve();
            else reject(new Error(`acquire failed: ${JSON.stringify(reply)}`));
          });
          ws.send(JSON.stringify({ service: 'datasync', message: { command: 'acquireSubscription', params: resume ? { token, resume: true } : { token }, callId: 0 } }));
        });
      }),
    );
  }
  // Deltas only (resumable connections also get a `position` notification now and then).
  for (const ws of sockets) ws.on('message', (data: Buffer) => void (data.includes('"type":"delta') && received++));
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const target = received + n;
    const start = performance.now();
    await backendCall(server, 'publishDeltas', { deltas: [{ type: 'insert', model: 'Task', data: { id: r, owner: 'alice', title: 'fan-out' } }] });
    await until(() => received >= target, 30_000);
    times.push(performance.now() - start);
  }
  if (received !== n * rounds) throw new Error(`expected ${n * rounds} deliveries, got ${received}`);
  for (const ws of sockets) ws.terminate();
  times.sort((a, b) => a - b);
  return { subscribers: n, rounds, medianMs: times[Math.floor(times.length / 2)], worstMs: times[times.length - 1] };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for deliveries');
    await new Promise((r) => setImmediate(r));
  }
}

export type { WebSocket };
