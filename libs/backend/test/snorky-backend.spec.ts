/**
 * SnorkyBackend over SnorkyHttpTransport against a real local HTTP server: request shape, replies,
 * error mapping (RPC error vs transport failure), timeout, unreachable server.
 */
import { SnorkyBackend, SnorkyError, SnorkyHttpTransport, SnorkyTransportError } from '@snorky/backend';
import { closedPortUrl, HttpPeer, replyJson, rpcReply } from './support/http-peer';

/** The rejection of `promise`; fails when it resolves. */
const failure = (promise: Promise<unknown>): Promise<any> =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error) => error,
  );

describe('SnorkyBackend over HTTP', () => {
  let peer: HttpPeer;
  const backend = (options: { timeout?: number; url?: string } = {}) =>
    new SnorkyBackend({ url: options.url ?? peer.url, key: 'swordfish', timeout: options.timeout ?? 5000 });

  beforeEach(async () => {
    peer = await new HttpPeer().start();
  });
  afterEach(() => peer.stop());

  it('POSTs the envelope with X-Backend-Key, Content-Type and Accept', async () => {
    await backend().call('pubsub_backend', 'publish', { channel: { room: 1 }, message: 'h\u00e9llo \u2603' });
    expect(peer.requests).toHaveLength(1);
    const [request] = peer.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/backend');
    expect(request.headers['x-backend-key']).toBe('swordfish');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['accept']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({
      service: 'pubsub_backend',
      message: { command: 'publish', params: { channel: { room: 1 }, message: 'h\u00e9llo \u2603' } },
    });
  });

  it('sends an empty params object when there are none', async () => {
    await backend().call('svc', 'ping');
    expect(peer.bodies()[0].message).toEqual({ command: 'ping', params: {} });
  });

  it('resolves with the data of a response, null when it has none', async () => {
    peer.answer = rpcReply({ type: 'response', data: { token: 'abc', n: [1, 2] } });
    await expect(backend().call('svc', 'cmd')).resolves.toEqual({ token: 'abc', n: [1, 2] });
    peer.answer = rpcReply({ type: 'response' });
    await expect(backend().call('svc', 'cmd')).resolves.toBeNull();
  });

  it('rejects an RPC error with SnorkyError carrying the protocol text verbatim', async () => {
    peer.answer = rpcReply({ type: 'error', message: 'No such dealer' });
    const error = await failure(backend().call('datasync_backend', 'authorizeSubscription', { items: [] }));
    expect(error).toBeInstanceOf(SnorkyError);
    expect(error).not.toBeInstanceOf(SnorkyTransportError);
    expect(error.message).toBe('No such dealer');
    expect(error.service).toBe('datasync_backend');
    expect(error.command).toBe('authorizeSubscription');
  });

  it.each([
    [401, 'Unauthorized'],
    [400, 'Bad Request'],
    [500, 'oops'],
  ])('maps HTTP %i to SnorkyTransportError with status and body', async (status, body) => {
    peer.answer = (_req, res) => {
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(body);
    };
    const error = await failure(backend().call('svc', 'cmd'));
    expect(error).toBeInstanceOf(SnorkyTransportError);
    expect(error).not.toBeInstanceOf(SnorkyError);
    expect(error.status).toBe(status);
    expect(error.body).toBe(body);
    expect(error.message).toContain(`HTTP ${status}`);
  });

  it('maps a non-JSON body to SnorkyTransportError', async () => {
    peer.answer = (_req, res) => replyJson(res, 200, '<html>proxy error</html>');
    const error = await failure(backend().call('svc', 'cmd'));
    expect(error).toBeInstanceOf(SnorkyTransportError);
    expect(error.status).toBe(200);
    expect(error.body).toBe('<html>proxy error</html>');
    expect(error.message).toMatch(/non-JSON/);
  });

  it.each([
    ['a JSON array', [1, 2]],
    ['an envelope without message', { service: 'svc' }],
    ['an unknown reply type', { service: 'svc', message: { type: 'delta' } }],
  ])('maps %s to SnorkyTransportError', async (_what, body) => {
    peer.answer = (_req, res) => replyJson(res, 200, body);
    await expect(backend().call('svc', 'cmd')).rejects.toBeInstanceOf(SnorkyTransportError);
  });

  it('maps an unreachable server to SnorkyTransportError naming the cause', async () => {
    const url = await closedPortUrl();
    const error = await failure(backend({ url }).call('svc', 'cmd'));
    expect(error).toBeInstanceOf(SnorkyTransportError);
    expect(error.status).toBeUndefined();
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain(url);
  });

  it('gives up after the timeout with SnorkyTransportError', async () => {
    peer.answer = () => undefined; // never answers
    const started = Date.now();
    const error = await failure(backend({ timeout: 300 }).call('svc', 'cmd'));
    expect(error).toBeInstanceOf(SnorkyTransportError);
    expect(error.message).toMatch(/did not answer within 300 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('times out a body that starts but never ends', async () => {
    peer.answer = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"service":');
    };
    const error = await failure(backend({ timeout: 300 }).call('svc', 'cmd'));
    expect(error).toBeInstanceOf(SnorkyTransportError);
    expect(error.message).toMatch(/did not answer/);
  });

  it('publishDeltas, authorizeSubscription and publish call the default services', async () => {
    peer.answer = (request, res) => {
      const { service, message } = JSON.parse(request.body);
      const data = message.command === 'authorizeSubscription' ? 'tok' : null;
      replyJson(res, 200, { service, message: { type: 'response', data } });
    };
    const snorky = backend();
    const delta = { type: 'insert' as const, model: 'Task', data: { id: 1 } };
    await expect(snorky.publishDeltas([delta])).resolves.toBeNull();
    await expect(snorky.authorizeSubscription([{ dealer: 'AllTasks', query: null }])).resolves.toBe('tok');
    await expect(snorky.publish('news', 'hi')).resolves.toBeNull();
    expect(peer.bodies()).toEqual([
      { service: 'datasync_backend', message: { command: 'publishDeltas', params: { deltas: [delta] } } },
      { service: 'datasync_backend', message: { command: 'authorizeSubscription', params: { items: [{ dealer: 'AllTasks', query: null }] } } },
      { service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'news', message: 'hi' } } },
    ]);
  });

  it('uses the configured or per-call service names', async () => {
    peer.answer = (request, res) =>
      replyJson(res, 200, { service: JSON.parse(request.body).service, message: { type: 'response', data: 't' } });
    const snorky = new SnorkyBackend({ url: peer.url, key: 'k', datasyncService: 'ds2', pubsubService: 'ps2' });
    await snorky.authorizeSubscription([]);
    await snorky.publish('c', 'm');
    await snorky.publishDeltas([], 'ds3');
    expect(peer.bodies().map((b) => b.service)).toEqual(['ds2', 'ps2', 'ds3']);
  });

  it('authorizeIdentity sends the identity (and ttl when given) to identity_backend and resolves with the token', async () => {
    peer.answer = rpcReply({ type: 'response', data: 'tok-1' });
    const snorky = backend();
    await expect(snorky.authorizeIdentity({ id: 7, name: 'ann' })).resolves.toBe('tok-1');
    await expect(snorky.authorizeIdentity('bob', 60)).resolves.toBe('tok-1');
    await snorky.authorizeIdentity(1, undefined, 'staff_identity');
    await new SnorkyBackend({ url: peer.url, key: 'k', identityService: 'id2' }).authorizeIdentity(2);
    expect(peer.bodies()).toEqual([
      { service: 'identity_backend', message: { command: 'authorizeIdentity', params: { identity: { id: 7, name: 'ann' } } } },
      { service: 'identity_backend', message: { command: 'authorizeIdentity', params: { identity: 'bob', ttl: 60 } } },
      { service: 'staff_identity', message: { command: 'authorizeIdentity', params: { identity: 1 } } },
      { service: 'id2', message: { command: 'authorizeIdentity', params: { identity: 2 } } },
    ]);
    peer.answer = rpcReply({ type: 'response', data: { not: 'a token' } });
    await expect(snorky.authorizeIdentity('ann')).rejects.toBeInstanceOf(SnorkyTransportError);
  });

  it('refuses a token that is not a string', async () => {
    peer.answer = rpcReply({ type: 'response', data: 42 });
    await expect(backend().authorizeSubscription([])).rejects.toBeInstanceOf(SnorkyTransportError);
  });

  it('accepts any transport (the seam used to plug other pipes)', async () => {
    const sent: unknown[] = [];
    const snorky = new SnorkyBackend({
      send: async (envelope) => {
        sent.push(envelope);
        return { service: envelope.service, message: { type: 'response', data: 7 } };
      },
    });
    await expect(snorky.call('svc', 'cmd', { a: 1 })).resolves.toBe(7);
    expect(sent).toEqual([{ service: 'svc', message: { command: 'cmd', params: { a: 1 } } }]);
  });

  it('logs requests and replies at debug, never the key', async () => {
    const lines: string[] = [];
    const transport = new SnorkyHttpTransport({ url: peer.url, key: 'swordfish', logger: { debug: (l) => lines.push(l) } });
    await new SnorkyBackend(transport).call('svc', 'cmd', { x: 1 });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('"command":"cmd"');
    expect(lines[1]).toContain('200');
    expect(lines.join('\n')).not.toContain('swordfish');
  });

  it('refuses a missing url or key, or a non-HTTP url, at construction', () => {
    expect(() => new SnorkyHttpTransport({ url: '', key: 'k' })).toThrow(/url/);
    expect(() => new SnorkyHttpTransport({ url: 'http://x/backend', key: '' })).toThrow(/key/);
    expect(() => new SnorkyHttpTransport({ url: 'ftp://x/backend', key: 'k' })).toThrow(/http/);
  });
});
