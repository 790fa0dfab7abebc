import { connect, Socket } from 'net';
import WebSocket from 'ws';
import { PubSubBackend, PubSubService, SnorkyModuleOptions } from '@snorky/nest';
import { DATASYNC_PROVIDERS, datasyncBackend } from '../client/support/datasync-fixtures';
import { CalculatorService } from '../core/examples/calculator.service';
import { backendCall, postBackend, RunningSnorkyApp, startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';
import { RawWebSocket } from './support/raw-websocket';

/**
 * PROTOCOL §11 per-connection limits, over real sockets and real HTTP: each test reproduces a defect
 * of issue 11 (bullet 3) that the server had before the limit existed.
 */
describe('per-connection limits (PROTOCOL §11)', () => {
  const servers: RunningSnorkyApp[] = [];
  const sockets: TestSocket[] = [];
  const raws: RawWebSocket[] = [];
  const tcps: Socket[] = [];

  async function start(options: Partial<SnorkyModuleOptions>, providers = [PubSubService, PubSubBackend, CalculatorService, ...DATASYNC_PROVIDERS]) {
    const server = await startSnorkyApp(providers, { ...options, frontend: { pingInterval: 0, ...options.frontend } });
    servers.push(server);
    return server;
  }
  async function open(server: RunningSnorkyApp): Promise<TestSocket> {
    const socket = await TestSocket.open(server.wsUrl);
    sockets.push(socket);
    return socket;
  }
  async function openRaw(server: RunningSnorkyApp): Promise<RawWebSocket> {
    const raw = await RawWebSocket.open(server.wsUrl);
    raws.push(raw);
    return raw;
  }
  const closeCode = (socket: TestSocket) => new Promise<number>((resolve) => socket.ws.once('close', (code) => resolve(code)));

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    for (const raw of raws.splice(0)) raw.destroy();
    for (const tcp of tcps.splice(0)) tcp.destroy();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  describe('subscriptions per connection: Too many subscriptions', () => {
    it('PubSub: the channel over maxSubscriptions is refused; unsubscribing frees a slot; other connections unaffected', async () => {
      const server = await start({ limits: { maxSubscriptions: 3 } });
      const greedy = await open(server);
      for (let i = 0; i < 3; i++) expect((await greedy.call('pubsub', 'subscribe', { channel: `c${i}` }, i)).message.type).toBe('response');
      expect((await greedy.call('pubsub', 'subscribe', { channel: 'c3' }, 3)).message).toEqual({ type: 'error', callId: 3, message: 'Too many subscriptions' });
      // An existing subscription still answers as before (not counted twice).
      expect((await greedy.call('pubsub', 'subscribe', { channel: 'c0' }, 4)).message.message).toBe('Already subscribed');
      expect((await greedy.call('pubsub', 'unsubscribe', { channel: 'c1' }, 5)).message.type).toBe('response');
      expect((await greedy.call('pubsub', 'subscribe', { channel: 'c3' }, 6)).message.type).toBe('response');
      const other = await open(server);
      for (let i = 0; i < 3; i++) expect((await other.call('pubsub', 'subscribe', { channel: `c${i}` }, i)).message.type).toBe('response');
    });

    it('DataSync: the acquisition over maxSubscriptions is refused; cancelling frees a slot', async () => {
      const server = await start({ limits: { maxSubscriptions: 2 } });
      const backend = datasyncBackend(server.backendUrl);
      const client = await open(server);
      const tokens = await Promise.all([1, 2, 3, 4].map(() => backend.authorize([{ dealer: 'AllTodos', query: null }])));
      expect((await client.call('datasync', 'acquireSubscription', { token: tokens[0] }, 0)).message.type).toBe('response');
      expect((await client.call('datasync', 'acquireSubscription', { token: tokens[1] }, 1)).message.type).toBe('response');
      expect((await client.call('datasync', 'acquireSubscription', { token: tokens[2] }, 2)).message).toEqual({ type: 'error', callId: 2, message: 'Too many subscriptions' });
      // A refused acquisition takes no slot, and a failed one (unknown token) gives its slot back.
      expect((await client.call('datasync', 'cancelSubscription', { token: tokens[0] }, 3)).message.type).toBe('response');
      expect((await client.call('datasync', 'acquireSubscription', { token: 'nope' }, 4)).message.message).toBe('No such subscription');
      expect((await client.call('datasync', 'acquireSubscription', { token: tokens[2] }, 5)).message.type).toBe('response');
    });
  });

  it('a channel whose JSON is over maxChannelSize is Invalid params (frontend and backend), one at the limit works', async () => {
    const server = await start({});
    const client = await open(server);
    const big = { room: 'r'.repeat(2000) };
    expect((await client.call('pubsub', 'subscribe', { channel: big }, 1)).message).toEqual({ type: 'error', callId: 1, message: 'Invalid params' });
    expect((await client.call('pubsub', 'publish', { channel: big, message: 1 }, 2)).message.message).toBe('Invalid params');
    expect((await backendCall(server.backendUrl, 'pubsub_backend', 'publish', { channel: big, message: 1 })).message).toBe('Invalid params');
    const atLimit = 'x'.repeat(1024 - 2); // JSON string: two quotes
    expect((await client.call('pubsub', 'subscribe', { channel: atLimit }, 3)).message.type).toBe('response');
    expect((await client.call('pubsub', 'subscribe', { channel: atLimit + 'x' }, 4)).message.message).toBe('Invalid params');
  });

  it('requests over the rate answer Too many requests; a connection that goes on flooding is closed 1008; others are served', async () => {
    const server = await start({ limits: { maxRequestsPerSecond: 20, requestBurst: 20 } });
    const flooder = await open(server);
    const bystander = await open(server);
    for (let i = 0; i < 30; i++) flooder.send({ service: 'calculator', message: { command: 'sum', params: { number1: i, number2: 0 }, callId: i } });
    const replies = [];
    for (let i = 0; i < 30; i++) replies.push((await flooder.next()).message);
    const refused = replies.filter((r) => r.type === 'error');
    expect(refused.length).toBeGreaterThanOrEqual(8);
    expect(refused.length).toBeLessThanOrEqual(10);
    for (const r of refused) expect(r.message).toBe('Too many requests');
    expect(replies.filter((r) => r.type === 'response').length).toBe(30 - refused.length);
    expect(flooder.isOpen).toBe(true);
    // Goes on: refused a whole burst more, it is closed with 1008.
    const closed = closeCode(flooder);
    for (let i = 0; i < 40; i++) flooder.send({ service: 'calculator', message: { command: 'sum', params: { number1: 1, number2: 1 }, callId: 100 + i } });
    expect(await closed).toBe(1008);
    expect((await bystander.call('calculator', 'sum', { number1: 2, number2: 2 }, 'ok')).message).toEqual({ type: 'response', callId: 'ok', data: 4 });
  });

  it('the node refuses frontend connections over maxConnections (WebSocket 503, SockJS closed 1013) until one leaves', async () => {
    const server = await start({ limits: { maxConnections: 2 }, frontend: { sockjsPrefix: '/sockjs' } });
    const first = await open(server);
    await open(server);
    await expect(TestSocket.open(server.wsUrl)).rejects.toThrow('HTTP 503');
    // SockJS sessions count toward the same cap (its raw WebSocket endpoint: 4000 + 13, as faye takes no 1013).
    const sockjs = new WebSocket(`ws://127.0.0.1:${server.port}/sockjs/websocket`);
    expect(await new Promise<number>((resolve) => sockjs.once('close', (code) => resolve(code)))).toBe(4013);
    await first.close();
    await new Promise((r) => setTimeout(r, 50));
    expect((await (await open(server)).call('calculator', 'sum', { number1: 1, number2: 2 }, 1)).message.data).toBe(3);
  });

  describe('memory held for one frame is bounded by maxFrameSize', () => {
    const MAX = 64 * 1024;

    it('a frame announced larger than maxFrameSize closes the connection (1009) before its payload is buffered', async () => {
      const server = await start({ maxFrameSize: MAX });
      const raw = await openRaw(server);
      raw.header(15 * 1024 * 1024);
      raw.payload(Buffer.alloc(32 * 1024, 0x61));
      expect(await raw.closeCode(2000)).toBe(1009);
    });

    it('a fragmented message growing past maxFrameSize closes the connection (1009)', async () => {
      const server = await start({ maxFrameSize: MAX });
      const raw = await openRaw(server);
      const fragment = 'a'.repeat(16 * 1024);
      raw.frame(fragment, { fin: false, opcode: 1 });
      for (let i = 0; i < 5; i++) raw.frame(fragment, { fin: false, opcode: 0 });
      expect(await raw.closeCode(2000)).toBe(1009);
    });

    it('a frame left unfinished is abandoned after frameTimeout (1008); a finished one in time is answered', async () => {
      const server = await start({ limits: { frameTimeout: 1 } });
      const raw = await openRaw(server);
      const started = Date.now();
      raw.header(10_000);
      raw.payload('{"service":"calculator"');
      expect(await raw.closeCode(4000)).toBe(1008);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(Date.now() - started).toBeLessThan(3000);

      // A fragmented message whose fragments keep coming but that never ends is abandoned too.
      const fragmented = await openRaw(server);
      fragmented.frame('{"service":', { fin: false });
      const timer = setInterval(() => fragmented.frame(' ', { fin: false, opcode: 0 }), 200);
      try {
        expect(await fragmented.closeCode(4000)).toBe(1008);
      } finally {
        clearInterval(timer);
      }

      // A frame sent in pieces that ends within the timeout is processed normally.
      const slow = await openRaw(server);
      const text = JSON.stringify({ service: 'calculator', message: { command: 'sum', params: { number1: 1, number2: 2 }, callId: 1 } });
      slow.header(Buffer.byteLength(text));
      slow.payload(text.slice(0, 10));
      await new Promise((r) => setTimeout(r, 500));
      slow.payload(text.slice(10));
      await new Promise((r) => setTimeout(r, 800));
      expect(await slow.closeCode(0)).toBeUndefined();
      expect(slow.socket.destroyed).toBe(false);
    });
  });

  describe('HTTP requests that never finish are closed after a timeout', () => {
    function rawHttp(port: number): Socket {
      const socket = connect(port, '127.0.0.1');
      socket.resume(); // reads (and drops) the 408, so the close is seen
      tcps.push(socket);
      return socket;
    }
    const closedWithin = (socket: Socket, ms: number) =>
      new Promise<number>((resolve, reject) => {
        const started = Date.now();
        const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve(Date.now() - started);
        });
      });

    it('backend (own listener): an unfinished head after headersTimeout, a trickling body after requestTimeout', async () => {
      const server = await start({ backend: { apiKeys: ['test-key'], port: 0, host: '127.0.0.1' }, limits: { headersTimeout: 1, requestTimeout: 2 } });
      const port = server.app.get((await import('@snorky/nest')).EndpointListeners).port('backend')!;
      const head = rawHttp(port);
      head.write('POST /backend HTTP/1.1\r\nHost: x\r\nX-Backend-');
      expect(await closedWithin(head, 3500)).toBeLessThan(3500);

      const body = rawHttp(port);
      body.write('POST /backend HTTP/1.1\r\nHost: x\r\nX-Backend-Key: test-key\r\nContent-Length: 1000\r\n\r\n{');
      const trickle = setInterval(() => body.writable && body.write(' '), 200);
      try {
        expect(await closedWithin(body, 4500)).toBeGreaterThanOrEqual(1000);
      } finally {
        clearInterval(trickle);
      }
      // The listener still serves complete requests.
      const ok = await postBackend(`http://127.0.0.1:${port}/backend`, { service: 'calculator', message: { command: 'sum', params: { number1: 1, number2: 1 } } });
      expect(ok.status).toBe(400); // calculator is a frontend service: routed, not hung
    });

    it('frontend (shared app server, timeouts set): an unfinished WebSocket upgrade head is closed', async () => {
      const server = await start({ limits: { headersTimeout: 1 } });
      const upgrade = rawHttp(server.port);
      upgrade.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
      expect(await closedWithin(upgrade, 3500)).toBeLessThan(3500);
    });

    it('SockJS: a body over twice maxFrameSize is refused (413) without being read whole', async () => {
      const server = await start({ maxFrameSize: 64 * 1024, frontend: { sockjsPrefix: '/sockjs' } });
      const res = await fetch(`http://127.0.0.1:${server.port}/sockjs/000/abcd/xhr_send`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: JSON.stringify(['x'.repeat(140 * 1024)]),
      });
      expect(res.status).toBe(413);
    });
  });
});
