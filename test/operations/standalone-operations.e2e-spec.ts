import WebSocket from 'ws';
import { eventually } from '../cluster/support/cluster';
import { basicAuth, labelValues, operationsUrl, sample } from '../support/prometheus';
import { postBackend } from '../support/snorky-app';
import { StandaloneServer, startStandaloneServer } from '../support/standalone-server';
import { TestSocket } from '../support/ws-client';

const API_KEY = 'ops-secret-key-7f3a';
const ORIGIN = 'http://app.example';

/**
 * The operator's view of one standalone server, as an operator gets it: /metrics scraped over HTTP
 * while real clients connect, subscribe, publish, misbehave and leave; /health, /ready, /admin;
 * and the JSON log lines the server printed meanwhile.
 */
describe('standalone server: metrics, health, admin, JSON logs', () => {
  let server: StandaloneServer;
  const sockets: TestSocket[] = [];
  const open = async () => {
    const socket = await TestSocket.open(server.frontendUrl, { origin: ORIGIN });
    sockets.push(socket);
    return socket;
  };
  const scrape = async () => {
    const res = await fetch(operationsUrl(server.backendUrl, '/metrics'));
    expect(res.status).toBe(200);
    return res.text();
  };
  const backendCall = async (service: string, command: string, params: object) => {
    const res = await postBackend(server.backendUrl, { service, message: { command, params } }, API_KEY);
    if (res.status !== 200 || res.body?.message?.type !== 'response') throw new Error(`${command}: ${res.status} ${res.text}`);
    return res.body.message.data;
  };
  /** Waits until the scraped sample equals `value` (the server counts as frames arrive). */
  const expectSample = (name: string, labels: Record<string, string>, value: number) =>
    eventually(async () => expect(sample(await scrape(), name, labels)).toBe(value), 5000, 50);

  beforeAll(async () => {
    server = await startStandaloneServer(
      {
        frontend: { allowedOrigins: [ORIGIN], maxBufferedBytes: 256 * 1024 },
        backend: { apiKey: API_KEY },
        log: { format: 'json', level: 'info' },
        operations: { reportInterval: 0.5 },
        services: [
          { type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend' },
          { type: 'datasync', name: 'datasync', backend: 'datasync_backend', dealers: [{ name: 'AllTasks', model: 'Task', type: 'broadcast' }] },
        ],
      },
      { SNORKY_API_KEY: '' },
    );
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await server?.stop();
  });

  it('serves /health and /ready without a key, and /metrics in the Prometheus text format', async () => {
    const health = await fetch(operationsUrl(server.backendUrl, '/health'));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', listeners: { frontend: true, backend: true } });
    const ready = await fetch(operationsUrl(server.backendUrl, '/ready'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, broker: { clustered: false, up: true }, draining: false });
    const metrics = await fetch(operationsUrl(server.backendUrl, '/metrics'));
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    for (const name of [
      'snorky_connections', 'snorky_connections_total', 'snorky_connections_refused_total', 'snorky_frames_received_total',
      'snorky_frames_sent_total', 'snorky_frames_dropped_total', 'snorky_rpc_requests_total', 'snorky_rpc_duration_seconds',
      'snorky_subscriptions', 'snorky_deltas_published_total', 'snorky_deltas_delivered_total', 'snorky_publications_total',
      'snorky_broker_up', 'snorky_broker_reconnects_total', 'snorky_write_queue_bytes', 'snorky_clients_stalled_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(sample(text, 'snorky_broker_up')).toBe(1);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0); // prom-client's default process metrics
    // The backend endpoint itself still needs its key; only these paths are open.
    expect((await postBackend(server.backendUrl, { service: 'pubsub_backend', message: {} }, null)).status).toBe(401);
  });

  it('counts connections, subscriptions, RPCs and publications as clients come, call and go', async () => {
    await expectSample('snorky_connections', { transport: 'websocket' }, 0);
    const a = await open();
    const b = await open();
    await expectSample('snorky_connections', { transport: 'websocket' }, 2);
    expect((await a.call('pubsub', 'subscribe', { channel: 'news' }, 0)).message.type).toBe('response');
    expect((await b.call('pubsub', 'subscribe', { channel: 'news' }, 0)).message.type).toBe('response');
    expect((await b.call('pubsub', 'subscribe', { channel: 'news' }, 1)).message.message).toBe('Already subscribed');
    a.send({ service: 'pubsub', message: { command: 'publish', params: { channel: 'news', message: 'hello' }, callId: 1 } });
    const types = [(await a.next()).message.type, (await a.next()).message.type].sort();
    expect(types).toEqual(['message', 'response']); // its own copy and the reply
    expect((await b.next()).message.type).toBe('message');
    let text = await scrape();
    expect(sample(text, 'snorky_connections_total', { transport: 'websocket' })).toBe(2);
    expect(sample(text, 'snorky_subscriptions', { service: 'pubsub' })).toBe(2);
    expect(sample(text, 'snorky_publications_total', { service: 'pubsub' })).toBe(1);
    expect(sample(text, 'snorky_rpc_requests_total', { registry: 'frontend', service: 'pubsub', command: 'subscribe', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'snorky_rpc_requests_total', { service: 'pubsub', command: 'subscribe', outcome: 'error' })).toBe(1);
    expect(sample(text, 'snorky_rpc_duration_seconds_count', { service: 'pubsub', command: 'subscribe' })).toBe(3);
    expect(sample(text, 'snorky_rpc_duration_seconds_bucket', { service: 'pubsub', command: 'subscribe', le: '+Inf' })).toBe(3);
    // 4 requests in; 4 replies + 2 deliveries of the publication out.
    expect(sample(text, 'snorky_frames_received_total', { transport: 'websocket' })).toBe(4);
    expect(sample(text, 'snorky_frames_sent_total', { transport: 'websocket' })).toBe(6);

    // A command nobody registered is counted as _unknown: clients cannot add label values.
    expect((await a.call('pubsub', 'no-such-command-4711', {}, 2)).message.message).toBe('Unknown command');
    text = await scrape();
    expect(sample(text, 'snorky_rpc_requests_total', { service: 'pubsub', command: '_unknown', outcome: 'error' })).toBe(1);
    expect(labelValues(text, 'snorky_rpc_requests_total', 'command')).not.toContain('no-such-command-4711');

    await b.close();
    await expectSample('snorky_connections', { transport: 'websocket' }, 1);
    expect(sample(await scrape(), 'snorky_subscriptions', { service: 'pubsub' })).toBe(1);
    await a.close();
    await expectSample('snorky_subscriptions', { service: 'pubsub' }, 0);
  });

  it('counts dropped frames by reason and connections refused for their origin', async () => {
    const before = await scrape();
    const dropped = (text: string, reason: string) => (sample(text, 'snorky_frames_dropped_total', { reason }) ?? NaN) - (sample(before, 'snorky_frames_dropped_total', { reason }) ?? 0);
    const socket = await open();
    socket.send('not json');
    socket.send({ service: 'nope', message: {} });
    socket.send({ service: 'pubsub', message: { command: 3 } });
    socket.ws.send(Buffer.from('binary'), { binary: true });
    await eventually(async () => {
      const text = await scrape();
      expect([dropped(text, 'invalid_envelope'), dropped(text, 'unknown_service'), dropped(text, 'invalid_request'), dropped(text, 'binary')]).toEqual([1, 1, 1, 1]);
    });
    const refused = new WebSocket(server.frontendUrl, { origin: 'http://evil.example' });
    const status = await new Promise<number>((resolve) => refused.once('unexpected-response', (_req, res) => resolve(res.statusCode!)));
    expect(status).toBe(403);
    await expectSample('snorky_connections_refused_total', { reason: 'origin' }, 1);
    await eventually(async () => expect(server.output()).toMatch(/refused a connection \(origin\): origin \\"http:\/\/evil\.example\\" not allowed/));
  });

  it('counts DataSync deltas published and delivered, and acquired subscriptions', async () => {
    const socket = await open();
    const token = await backendCall('datasync_backend', 'authorizeSubscription', { items: [{ dealer: 'AllTasks', query: null }] });
    socket.send({ service: 'datasync', message: { command: 'acquireSubscription', params: { token }, callId: 0 } });
    expect((await socket.next()).message.type).toBe('response');
    await backendCall('datasync_backend', 'publishDeltas', {
      deltas: [1, 2].map((id) => ({ type: 'insert', model: 'Task', data: { id } })),
    });
    await socket.next();
    await socket.next();
    const text = await scrape();
    expect(sample(text, 'snorky_subscriptions', { service: 'datasync' })).toBe(1);
    expect(sample(text, 'snorky_deltas_published_total')).toBe(2);
    expect(sample(text, 'snorky_deltas_delivered_total')).toBe(2);
    expect(sample(text, 'snorky_rpc_requests_total', { registry: 'backend', service: 'datasync_backend', command: 'publishDeltas', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'snorky_frames_received_total', { transport: 'backend' })).toBeGreaterThanOrEqual(2);
    await socket.close();
    await expectSample('snorky_subscriptions', { service: 'datasync' }, 0);
  });

  it('counts and logs a client that stops reading', async () => {
    const stalled = await open();
    await stalled.call('pubsub', 'subscribe', { channel: 'firehose' }, 0);
    const tcp = (stalled.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    const payload = 'x'.repeat(50 * 1024);
    for (let i = 0; i < 400 && stalled.isOpen; i++) {
      await backendCall('pubsub_backend', 'publish', { channel: 'firehose', message: { i, payload } });
      if (i % 50 === 49 && sample(await scrape(), 'snorky_clients_stalled_total') === 1) break;
    }
    await expectSample('snorky_clients_stalled_total', {}, 1);
    tcp.resume();
    await eventually(async () => expect(server.output()).toMatch(/client stalled: client ws-\d+-\d+ \(127\.0\.0\.1\) stopped reading/));
  });

  it('serves /admin only with the API key as HTTP Basic password', async () => {
    const url = operationsUrl(server.backendUrl, '/admin');
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="Snorky admin"/);
    expect((await fetch(url, { headers: { Authorization: basicAuth('wrong-key') } })).status).toBe(401);
    expect((await fetch(`${url}/stats`, { headers: { Authorization: basicAuth('wrong-key') } })).status).toBe(401);
    const page = await fetch(url, { headers: { Authorization: basicAuth(API_KEY) } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Snorky admin</title>');
    // The node reports every 0.5 s (reportInterval): wait for a second report rather than assume one came.
    await eventually(async () => {
      const stats = await (await fetch(`${url}/stats`, { headers: { Authorization: basicAuth(API_KEY, 'anyone') } })).json();
      expect(stats.nodes).toHaveLength(1);
      expect(stats.nodes[0].self).toBe(true);
      expect(stats.nodes[0].reports.length).toBeGreaterThan(1);
      expect(Array.isArray(stats.rpc)).toBe(true);
    });
  });

  it('logs one JSON object per line, never the API key nor a subscription token', async () => {
    // Things that carry secrets: a wrong key, the right key on /admin, a token acquired, a bogus token.
    await postBackend(server.backendUrl, { service: 'pubsub_backend', message: { command: 'publish', params: {} } }, 'wrong-' + API_KEY);
    await fetch(operationsUrl(server.backendUrl, '/admin'), { headers: { Authorization: basicAuth(API_KEY) } });
    const token = await backendCall('datasync_backend', 'authorizeSubscription', { items: [{ dealer: 'AllTasks', query: null }] });
    const socket = await open();
    socket.send({ service: 'datasync', message: { command: 'acquireSubscription', params: { token }, callId: 0 } });
    await socket.next();
    socket.send({ service: 'datasync', message: { command: 'acquireSubscription', params: { token: token + 'x' }, callId: 1 } });
    await socket.next();
    await new Promise((r) => setTimeout(r, 300));
    const lines = server.output().split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const entry = JSON.parse(line);
      expect(typeof entry.message === 'string' || typeof entry.message === 'object').toBe(true);
      expect(['log', 'warn', 'error']).toContain(entry.level);
    }
    const all = server.output();
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(token);
    // The lines the issue asks for are there, in JSON: refused, stalled.
    const messages = lines.map((l) => JSON.parse(l).message as string);
    expect(messages.some((m) => m.startsWith('refused a connection (origin)'))).toBe(true);
    expect(messages.some((m) => m.startsWith('client stalled:'))).toBe(true);
  });
});

describe('standalone server: refusals by the connection cap', () => {
  it('counts and logs a connection refused for the cap as reason "limit"', async () => {
    const server = await startStandaloneServer({ limits: { maxConnections: 1 }, services: [{ type: 'pubsub', name: 'pubsub' }] });
    const first = await TestSocket.open(server.frontendUrl);
    try {
      const refused = new WebSocket(server.frontendUrl);
      const status = await new Promise<number>((resolve) => refused.once('unexpected-response', (_req, res) => resolve(res.statusCode!)));
      expect(status).toBe(503);
      const text = await (await fetch(operationsUrl(server.backendUrl, '/metrics'))).text();
      expect(sample(text, 'snorky_connections_refused_total', { reason: 'limit' })).toBe(1);
      expect(sample(text, 'snorky_connections_refused_total', { reason: 'draining' })).toBe(0);
      await eventually(async () => expect(server.output()).toMatch(/refused a connection \(limit\): Too many connections \(websocket, 127\.0\.0\.1\)/));
    } finally {
      await first.close();
      await server.stop();
    }
  });
});

describe('standalone server: operations paths are configurable', () => {
  it('serves them where the config says, and not where it says false', async () => {
    const server = await startStandaloneServer({
      operations: { health: '/livez', ready: '/readyz', metrics: '/prom', admin: false },
      services: [{ type: 'pubsub', name: 'pubsub' }],
    });
    try {
      expect((await fetch(operationsUrl(server.backendUrl, '/livez'))).status).toBe(200);
      expect((await fetch(operationsUrl(server.backendUrl, '/readyz'))).status).toBe(200);
      expect(await (await fetch(operationsUrl(server.backendUrl, '/prom'))).text()).toContain('snorky_connections');
      for (const gone of ['/health', '/ready', '/metrics', '/admin']) {
        expect((await fetch(operationsUrl(server.backendUrl, gone), { headers: { Authorization: basicAuth(server.apiKey) } })).status).toBe(404);
      }
    } finally {
      await server.stop();
    }
  });
});
