import { PubSubBackend, PubSubService, SnorkyModuleOptions } from '@snorky/nest';
import { CalculatorService } from '../core/examples/calculator.service';
import { RunningSnorkyApp, startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';

/**
 * limits.maxBytesPerSecond (PROTOCOL §11 notes): a connection over its read budget is not read until
 * the budget refills — backpressure, so every frame is still answered, in order, and other
 * connections are served meanwhile. Real server, real WebSockets.
 */
describe('per-connection read budget (limits.maxBytesPerSecond)', () => {
  const RATE = 64 * 1024; // bytes/s
  const BURST = 64 * 1024; // = maxFrameSize
  const FRAMES = 6;
  const MESSAGE = 'x'.repeat(40 * 1024);
  let server: RunningSnorkyApp | undefined;
  const sockets: TestSocket[] = [];

  async function start(options: Partial<SnorkyModuleOptions>) {
    server = await startSnorkyApp([PubSubService, PubSubBackend, CalculatorService], { ...options, frontend: { pingInterval: 0 } });
    return server;
  }
  async function open(url: string) {
    const socket = await TestSocket.open(url, { perMessageDeflate: false });
    sockets.push(socket);
    return socket;
  }

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    await server?.close();
    server = undefined;
  });

  it('reads a flooding connection at its budget: every reply, in order, none dropped; another client is answered meanwhile', async () => {
    // frameTimeout 1 s: the flooder's frames are cut mid-frame by the pauses (~2 s in all); that wait is
    // the server's, and must not close it as an unfinished frame.
    const app = await start({ maxFrameSize: BURST, limits: { maxBytesPerSecond: RATE, frameTimeout: 1 } });
    const flooder = await open(app.wsUrl);
    const other = await open(app.wsUrl);
    const started = Date.now();
    let sentBytes = 0;
    for (let i = 0; i < FRAMES; i++) {
      const frame = JSON.stringify({ service: 'pubsub', message: { command: 'publish', params: { channel: 'c', message: MESSAGE }, callId: i } });
      sentBytes += Buffer.byteLength(frame);
      flooder.send(frame);
    }
    // Meanwhile (the flooder is being held back): the other client is answered at once.
    await new Promise((r) => setTimeout(r, 300));
    const otherStart = Date.now();
    const answer = await other.call('calculator', 'sum', { number1: 2, number2: 3 }, 'o');
    const otherMs = Date.now() - otherStart;
    expect(answer.message).toEqual({ type: 'response', callId: 'o', data: 5 });
    expect(otherMs).toBeLessThan(1000);

    const callIds: unknown[] = [];
    for (let i = 0; i < FRAMES; i++) {
      const reply = await flooder.next(15_000);
      expect(reply.message.type).toBe('response');
      callIds.push(reply.message.callId);
    }
    const lastMs = Date.now() - started;
    expect(callIds).toEqual([0, 1, 2, 3, 4, 5]);
    expect(flooder.isOpen).toBe(true);
    // The last frame cannot have been read before the budget allowed: burst + rate × t covers all but
    // the last TCP chunk (≤ 64 KiB). A generous lower bound only.
    const earliestMs = ((sentBytes - BURST - 64 * 1024) / RATE) * 1000;
    expect(earliestMs).toBeGreaterThan(1000);
    expect(lastMs).toBeGreaterThanOrEqual(earliestMs * 0.9);
    // The other client was answered well before the flooder's last reply.
    expect(otherStart + otherMs).toBeLessThan(started + lastMs);
  }, 30_000);

  it('a frame held back by the budget for longer than frameTimeout is not closed as unfinished', async () => {
    // 20 KiB/s: 3 × 60 KiB frames take ~6 s; each pause (up to ~3 s) falls mid-frame, over frameTimeout 1 s.
    const app = await start({ maxFrameSize: BURST, limits: { maxBytesPerSecond: 20 * 1024, frameTimeout: 1 } });
    const client = await open(app.wsUrl);
    const message = 'y'.repeat(60 * 1024 - 100);
    for (let i = 0; i < 3; i++) client.send({ service: 'pubsub', message: { command: 'publish', params: { channel: 'c', message }, callId: i } });
    for (let i = 0; i < 3; i++) expect((await client.next(15_000)).message).toEqual({ type: 'response', callId: i, data: null });
    expect(client.isOpen).toBe(true);
  }, 30_000);

  it('0 turns the budget off: the same frames are answered at once', async () => {
    const app = await start({ maxFrameSize: BURST, limits: { maxBytesPerSecond: 0 } });
    const flooder = await open(app.wsUrl);
    const started = Date.now();
    for (let i = 0; i < FRAMES; i++) flooder.send({ service: 'pubsub', message: { command: 'publish', params: { channel: 'c', message: MESSAGE }, callId: i } });
    for (let i = 0; i < FRAMES; i++) expect((await flooder.next()).message.callId).toBe(i);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
