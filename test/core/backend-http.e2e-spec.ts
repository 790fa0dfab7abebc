import { request as httpRequest } from 'http';
import { PubSubBackend, PubSubService } from '@snorky/nest';
import { HTTP_ADAPTERS, RunningSnorkyApp, TEST_API_KEY, postBackend, startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';
import { CalculatorService } from './examples/calculator.service';
import { ProtocolProbeBackend, ProtocolProbeService } from './examples/protocol-probe.service';

/** PROTOCOL §5 backend HTTP endpoint, over real HTTP. */
describe.each(HTTP_ADAPTERS)('backend HTTP endpoint on %s', (adapter) => {
  let server: RunningSnorkyApp;
  const ping = { service: 'probe_backend', message: { command: 'ping', params: {}, callId: 5 } };

  beforeAll(async () => {
    server = await startSnorkyApp(
      [PubSubService, PubSubBackend, ProtocolProbeBackend, ProtocolProbeService, CalculatorService],
      { backend: { apiKeys: [TEST_API_KEY, 'next-key'] }, maxFrameSize: 64 * 1024 }, { adapter });
  });
  afterAll(() => server.close());

  it('answers 200 with the reply envelope', async () => {
    const res = await postBackend(server.backendUrl, ping);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ service: 'probe_backend', message: { type: 'response', callId: 5, data: 'pong' } });
  });

  it('answers RPC errors with 200 and an error message', async () => {
    const res = await postBackend(server.backendUrl, { service: 'probe_backend', message: { command: 'nope', params: {} } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ service: 'probe_backend', message: { type: 'error', message: 'Unknown command' } });
    const invalid = await postBackend(server.backendUrl, { service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'x' } } });
    expect(invalid.body.message).toEqual({ type: 'error', message: 'Invalid params' });
  });

  it('answers 401 without a key or with a wrong key, executing nothing', async () => {
    const watcher = await TestSocket.open(server.wsUrl);
    await watcher.call('pubsub', 'subscribe', { channel: 'guarded' }, 0);
    const publish = { service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'guarded', message: 'x' } } };
    expect((await postBackend(server.backendUrl, publish, null)).status).toBe(401);
    expect((await postBackend(server.backendUrl, publish, 'wrong')).status).toBe(401);
    expect((await postBackend(server.backendUrl, publish, TEST_API_KEY + 'x')).status).toBe(401);
    expect((await postBackend(server.backendUrl, publish, '')).status).toBe(401);
    await watcher.expectSilence(100);
    await watcher.close();
  });

  it('accepts every configured key (rotation)', async () => {
    expect((await postBackend(server.backendUrl, ping, TEST_API_KEY)).status).toBe(200);
    expect((await postBackend(server.backendUrl, ping, 'next-key')).status).toBe(200);
  });

  it('answers 400 to a body that is not JSON', async () => {
    expect((await postBackend(server.backendUrl, '{"service": ', TEST_API_KEY)).status).toBe(400);
  });

  it('answers 400 to a JSON body that is not a routable envelope', async () => {
    for (const body of ['[1,2]', '{"service":"nope","message":{}}', '{"service":"probe_backend"}', '{"service":"probe_backend","message":"x"}']) {
      expect((await postBackend(server.backendUrl, body)).status).toBe(400);
    }
  });

  it('refuses a body over maxFrameSize', async () => {
    const res = await postBackend(server.backendUrl, { service: 'probe_backend', message: { command: 'ping', params: {}, pad: 'x'.repeat(70 * 1024) } });
    expect(res.status).toBe(413);
    expect((await postBackend(server.backendUrl, ping)).status).toBe(200);
  });

  it('accepts a body with no content type', async () => {
    const body = JSON.stringify(ping);
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(server.backendUrl, { method: 'POST', headers: { 'X-Backend-Key': TEST_API_KEY, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(200);
    expect(JSON.parse(text).message.data).toBe('pong');
  });

  it('serves only backend-registry services', async () => {
    expect((await postBackend(server.backendUrl, { service: 'calculator', message: { command: 'sum', params: { number1: 1, number2: 2 } } })).status).toBe(400);
  });

  it('never triggers client connect/disconnect hooks', async () => {
    const probe = server.app.get(ProtocolProbeService);
    const before = [probe.connected.length, probe.disconnected.length];
    await postBackend(server.backendUrl, ping);
    await new Promise((r) => setTimeout(r, 50));
    expect([probe.connected.length, probe.disconnected.length]).toEqual(before);
    const socket = await TestSocket.open(server.wsUrl);
    await socket.call('probe', 'nothing', {}, 0);
    await socket.close();
    await new Promise((r) => setTimeout(r, 50));
    expect([probe.connected.length, probe.disconnected.length]).toEqual([before[0] + 1, before[1] + 1]);
  });

  it('takes exactly the request the original Python connector posts', async () => {
    // snorky/backend/__init__.py: json.dumps(...).encode("UTF-8") with these three headers.
    const body = '{"service": "probe_backend", "message": {"command": "ping", "params": {}}}';
    const res = await fetch(server.backendUrl, {
      method: 'POST',
      headers: { 'X-Backend-Key': TEST_API_KEY, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: Buffer.from(body, 'utf8'),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ service: 'probe_backend', message: { type: 'response', data: 'pong' } });
  });
});
