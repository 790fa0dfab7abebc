import { ConnectionLostError, DisconnectedError, RpcCallError, RpcService, Service, Snorky, rpcConnector } from '@snorky/client';
import { connectClient, createClient, nextEvent, record, startClientTestServer, type ClientTestServer } from './support/client-server';

type CalcCommands = {
  sum: { params: { a: number; b: number }; result: number };
  nothing: { params: {}; result: null };
  fail: { params: { text: string }; result: never };
  crash: { params: {}; result: never };
  hang: { params: {}; result: never };
  notifyMe: { params: { text: string }; result: string };
};
class Calc extends rpcConnector<CalcCommands>(['sum', 'nothing', 'fail', 'crash', 'hang', 'notifyMe']) {}

/** The client's RPC layer against the real server (PROTOCOL §2). */
describe('client RPC', () => {
  let server: ClientTestServer;
  const clients: Snorky<any>[] = [];
  const track = <S extends Snorky<any>>(s: S) => (clients.push(s), s);

  beforeAll(async () => {
    server = await startClientTestServer();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(() => server.close());

  it('resolves a call with the response data', async () => {
    const snorky = track(await connectClient(server.wsUrl, { calc: Calc }));
    await expect(snorky.services.calc.sum({ a: 2, b: 3 })).resolves.toBe(5);
    await expect(snorky.services.calc.nothing()).resolves.toBeNull();
    await expect(snorky.services.calc.call('sum', { a: 1, b: 1 })).resolves.toBe(2);
  });

  it.each([
    ['an unknown command', 'divide', { a: 1, b: 2 }, 'Unknown command'],
    ['a missing parameter', 'sum', { a: 1 }, 'Invalid params'],
    ['an unknown parameter', 'sum', { a: 1, b: 2, c: 3 }, 'Invalid params'],
    ['a wrongly typed parameter', 'sum', { a: 1, b: '2' }, 'Invalid params'],
    ['an RpcError', 'fail', { text: 'Not today' }, 'Not today'],
    ['a crash', 'crash', {}, 'Internal error'],
  ])('rejects %s with an RpcCallError carrying the protocol text', async (_what, command, params, text) => {
    const snorky = track(await connectClient(server.wsUrl, { calc: RpcService }));
    const error = await snorky.services.calc.call(command, params).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RpcCallError);
    expect(error).toBeInstanceOf(Error);
    expect((error as RpcCallError).message).toBe(text);
    expect((error as RpcCallError).command).toBe(command);
    expect((error as RpcCallError).service).toBe('calc');
  });

  it('queues calls made before the socket opens and sends them on open', async () => {
    const snorky = track(createClient(server.wsUrl, { calc: Calc }));
    expect(snorky.isConnecting).toBe(true);
    expect(snorky.isConnected).toBe(false);
    const first = snorky.services.calc.sum({ a: 1, b: 2 });
    const second = snorky.services.calc.fail({ text: 'queued error' });
    expect(snorky.queuedMessages).toBe(2);
    const connected = nextEvent(snorky.connected);
    await expect(first).resolves.toBe(3);
    await expect(second).rejects.toThrow('queued error');
    expect(await connected).toEqual({ reconnected: false });
    expect(snorky.isConnected).toBe(true);
    expect(snorky.queuedMessages).toBe(0);
  });

  it('queues with autoConnect: false until connect()', async () => {
    const snorky = track(createClient(server.wsUrl, { calc: Calc }, { autoConnect: false }));
    const pending = snorky.services.calc.sum({ a: 20, b: 22 });
    expect(snorky.state).toBe('idle');
    snorky.connect();
    await expect(pending).resolves.toBe(42);
  });

  it('dispatches notifications and raw packets', async () => {
    const snorky = track(await connectClient(server.wsUrl, { calc: Calc }));
    const notes = record(snorky.services.calc.notificationReceived);
    const packets = record(snorky.services.calc.packetReceived);
    await expect(snorky.services.calc.notifyMe({ text: 'psst' })).resolves.toBe('sent');
    expect(notes).toEqual([{ type: 'note', text: 'psst' }]);
    expect(packets).toEqual([{ type: 'note', text: 'psst' }, { type: 'response', callId: 0, data: 'sent' }]);
  });

  it('sends and receives raw messages with a bare Service', async () => {
    const snorky = track(await connectClient(server.wsUrl, { calc: Service }));
    const reply = nextEvent(snorky.services.calc.packetReceived);
    snorky.services.calc.sendMessage({ command: 'sum', params: { a: 4, b: 4 }, callId: 'raw' });
    expect(await reply).toEqual({ type: 'response', callId: 'raw', data: 8 });
  });

  it('accepts the original argument order new Snorky(socketClass, url, services, options)', async () => {
    const WebSocket = (await import('ws')).default;
    const snorky = track(new Snorky(WebSocket, server.wsUrl, { calc: Calc }, { debug: false }));
    await expect(snorky.services.calc.sum({ a: 5, b: 5 })).resolves.toBe(10);
  });

  it('logs connection events in debug mode', async () => {
    const lines: string[] = [];
    const logger = { debug: (...a: unknown[]) => lines.push(a.join(' ')), warn: () => undefined, error: () => undefined };
    const snorky = track(await connectClient(server.wsUrl, { calc: Calc }, { debug: true, logger }));
    snorky.disconnect();
    expect(lines.some((l) => l.includes('connected'))).toBe(true);
    expect(lines.some((l) => l.includes('disconnected by the client'))).toBe(true);
  });

  it('disconnect() rejects calls in flight with DisconnectedError and stops', async () => {
    const snorky = track(await connectClient(server.wsUrl, { calc: Calc }));
    const disconnected = nextEvent(snorky.disconnected);
    const hanging = snorky.services.calc.hang();
    await new Promise((r) => setTimeout(r, 30));
    snorky.disconnect();
    await expect(hanging).rejects.toBeInstanceOf(DisconnectedError);
    expect(await disconnected).toMatchObject({ byClient: true, willReconnect: false, wasConnected: true });
    expect(snorky.state).toBe('closed');
    await new Promise((r) => setTimeout(r, 300));
    expect(snorky.state).toBe('closed');
  });

  it('rejects calls in flight with ConnectionLostError when the server drops the socket', async () => {
    const own = await startClientTestServer();
    try {
      const snorky = track(await connectClient(own.wsUrl, { calc: Calc }, { reconnect: false }));
      const outcome = snorky.services.calc.hang().catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 30));
      const disconnected = nextEvent(snorky.disconnected);
      await own.close();
      const error = await outcome;
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect((error as Error).message).toBe('Connection lost before the reply to "hang" (service "calc") arrived');
      expect(await disconnected).toMatchObject({ wasConnected: true, byClient: false, willReconnect: false });
      expect(snorky.state).toBe('closed');
    } finally {
      await own.close().catch(() => undefined);
    }
  });
});
