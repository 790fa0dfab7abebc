import { IsInt } from 'class-validator';
import { connect, Socket } from 'net';
import SockJS from 'sockjs-client';
import WebSocket from 'ws';
import { PubSubBackend, PubSubService, RpcCommand, RpcService, SnorkyService } from '@snorky/nest';
import { PubSub, type DisconnectedEvent, type ReconnectingEvent } from '@snorky/client';
import { createClient, nextEvent } from '../client/support/client-server';
import { backendCall, postBackend, startSnorkyApp, TEST_API_KEY } from '../support/snorky-app';
import { startStandaloneServer, StandaloneServer } from '../support/standalone-server';

/**
 * Issue 11, bullet 5: the drain on SIGTERM/SIGINT (the real standalone server, in its own process) and
 * on app.close() (a Nest app): queued frames then 1001, SockJS closed, 503 for requests arriving
 * meanwhile, in-flight requests answered, and a bounded exit even with half-sent requests.
 */
describe('graceful drain (PROTOCOL §11)', () => {
  jest.setTimeout(60_000);
  const tcps: Socket[] = [];
  afterEach(() => tcps.splice(0).forEach((s) => s.destroy()));

  /** A TCP connection that sends `text` and nothing more (a request head or body left unfinished). */
  async function halfSent(url: string, text: string): Promise<{ socket: Socket; response: () => string }> {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    tcps.push(socket);
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(text);
    return { socket, response: () => response };
  }

  function exitTime(server: StandaloneServer, signal: NodeJS.Signals): Promise<{ code: number | null; ms: number }> {
    const started = Date.now();
    const exited = new Promise<{ code: number | null; ms: number }>((resolve) =>
      server.process.once('exit', (code) => resolve({ code, ms: Date.now() - started })),
    );
    server.process.kill(signal);
    return exited;
  }

  const standaloneConfig = {
    services: [{ type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend' }],
    frontend: { sockjsPrefix: '/sockjs', pingInterval: 0 },
    shutdownTimeout: 3,
  };

  it('SIGTERM (standalone server): every client gets its queued frames then 1001, SockJS too; a request finished meanwhile gets 503; exits in the bound despite half-sent requests', async () => {
    const server = await startStandaloneServer(standaloneConfig);
    const wsUrl = server.frontendUrl;
    const publish = (message: unknown) =>
      postBackend(server.backendUrl, { service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'news', message } } }, server.apiKey);

    // 20 WebSocket clients, one of which stopped reading: the server queues its frames.
    const clients = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const ws = new WebSocket(wsUrl);
        const received: unknown[] = [];
        const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
        ws.on('message', (data) => received.push(JSON.parse(String(data)).message));
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
        ws.send(JSON.stringify({ service: 'pubsub', message: { command: 'subscribe', params: { channel: 'news' }, callId: 0 } }));
        return { ws, received, closed };
      }),
    );
    const sockjs = new SockJS(wsUrl.replace('ws://', 'http://').replace(/\/ws$/, '/sockjs'));
    const sockjsClosed = new Promise<number>((resolve) => (sockjs.onclose = (e: { code: number }) => resolve(e.code)));
    await new Promise<void>((resolve) => (sockjs.onopen = () => resolve()));
    await new Promise((r) => setTimeout(r, 200)); // subscriptions answered
    const slow = clients[0];
    const tcp = (slow.ws as unknown as { _socket: Socket })._socket;
    tcp.pause();
    // A request whose body completes during the drain. Opened before the publications below so that
    // the server has surely parsed its head when SIGTERM comes: a connection whose head is still
    // unread is idle to Node, and closing the listener cuts idle connections.
    const body = await halfSent(
      server.backendUrl,
      `POST /backend HTTP/1.1\r\nHost: x\r\nX-Backend-Key: ${server.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{`,
    );
    const COUNT = 300;
    const payload = 'p'.repeat(20_000);
    for (let i = 0; i < COUNT; i++) expect((await publish({ i, payload })).status).toBe(200);

    // Half-sent requests on both ports, as a slowloris would leave them.
    const head = await halfSent(server.backendUrl, 'POST /backend HTTP/1.1\r\nHost: x\r\nX-Back');
    const frontendHead = await halfSent(wsUrl, 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgr');

    const exit = exitTime(server, 'SIGTERM');
    // The body completes once the drain has begun (its log line), not after a guessed delay.
    const drainStarted = Date.now() + 5000;
    while (!server.output().includes('SIGTERM: draining') && Date.now() < drainStarted) await new Promise((r) => setTimeout(r, 10));
    body.socket.write('}'); // the body completes during the drain: a new request, refused
    // The slow client reads again only after 1.5 s: the drain (bound 3 s) waits for it, frames first.
    await new Promise((r) => setTimeout(r, 1200));
    tcp.resume();

    const codes = await Promise.all(clients.map((c) => c.closed));
    expect(codes).toEqual(Array(clients.length).fill(1001));
    // Everything published before the signal reached every client, the slow one included, before the close.
    for (const client of clients) {
      const messages = client.received.filter((m: any) => m.type === 'message');
      expect(messages.map((m: any) => m.message.i)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    }
    expect(await sockjsClosed).toBe(1001);
    const { code, ms } = await exit;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(3000 + 1500);
    expect(body.response()).toMatch(/^HTTP\/1\.1 503/);
    expect(head.socket.destroyed || head.socket.readableEnded).toBe(true);
    expect(frontendHead.socket.destroyed || frontendHead.socket.readableEnded).toBe(true);
    expect(server.output()).toContain('SIGTERM: draining');
  });

  it('SIGINT (standalone server) with a half-sent request head on each port and an idle client: exits at once', async () => {
    const server = await startStandaloneServer(standaloneConfig);
    const ws = new WebSocket(server.frontendUrl);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await halfSent(server.frontendUrl, 'POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-');
    await halfSent(server.backendUrl, 'POST /backend HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"ser');
    const { code, ms } = await exitTime(server, 'SIGINT');
    expect(await closed).toBe(1001);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(2000);
  });

  describe('app.close() (a Nest app with SnorkyModule)', () => {
    class SleepParams {
      @IsInt()
      ms: number;
    }

    @SnorkyService('slow_backend', { registry: 'backend' })
    class SlowBackend extends RpcService {
      @RpcCommand()
      async sleep({ ms }: SleepParams): Promise<string> {
        await new Promise((r) => setTimeout(r, ms).unref());
        return `slept ${ms}`;
      }
    }

    it('answers the backend requests in flight, refuses (503) one arriving meanwhile, then closes', async () => {
      const server = await startSnorkyApp([SlowBackend, PubSubService, PubSubBackend], { shutdownTimeout: 5 });
      const started = Date.now();
      const inFlight = backendCall(server.backendUrl, 'slow_backend', 'sleep', { ms: 1500 });
      const late = await halfSent(
        server.backendUrl,
        `POST /backend HTTP/1.1\r\nHost: x\r\nX-Backend-Key: ${TEST_API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{`,
      );
      await new Promise((r) => setTimeout(r, 200));
      const closing = server.close();
      await new Promise((r) => setTimeout(r, 100));
      late.socket.write('}');
      expect(await inFlight).toEqual({ type: 'response', data: 'slept 1500' });
      await closing;
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      expect(late.response()).toMatch(/^HTTP\/1\.1 503/);
    });

    it('bounds the wait for requests in flight by shutdownTimeout', async () => {
      const server = await startSnorkyApp([SlowBackend], { shutdownTimeout: 1 });
      const inFlight = backendCall(server.backendUrl, 'slow_backend', 'sleep', { ms: 20_000 }).catch((err: Error) => err);
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      await server.close();
      // ~0.7 s waiting for the request (the rest of the bound is kept for closing), then cut.
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
      expect(Date.now() - started).toBeLessThan(2500); // the 1 s bound, with room for a loaded machine
      // Cut at the bound (its connection closed), not waited for.
      expect(await inFlight).toMatchObject({ message: expect.stringContaining('fetch failed') });
    });

    it('the client SDK reconnects after 1001 with a delay spread over restartWindow', async () => {
      const server = await startSnorkyApp([PubSubService, PubSubBackend]);
      const RESTART_WINDOW = 2000;
      const clients = Array.from({ length: 12 }, () =>
        createClient(server.wsUrl, { pubsub: PubSub }, { reconnect: { initialDelay: 50, maxAttempts: 1, restartWindow: RESTART_WINDOW } }),
      );
      await Promise.all(clients.map((c) => nextEvent(c.connected, 5000, 'connected')));
      const lost = clients.map((c) => nextEvent<DisconnectedEvent>(c.disconnected, 5000, 'disconnected'));
      const retries = clients.map((c) => nextEvent<ReconnectingEvent>(c.reconnecting, 5000, 'reconnecting'));
      await server.close();
      for (const event of await Promise.all(lost)) expect(event).toMatchObject({ code: 1001, willReconnect: true, byClient: false });
      const delays = (await Promise.all(retries)).map((r) => r.delay);
      for (const delay of delays) {
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(RESTART_WINDOW);
      }
      // Spread over the window, not the backoff's first step (initialDelay 50 ms) for everyone.
      expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(RESTART_WINDOW / 4);
      for (const client of clients) client.disconnect();
    });
  });
});
