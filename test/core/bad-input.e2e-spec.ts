import { RunningSnorkyApp, startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';
import { CalculatorService } from './examples/calculator.service';
import { EchoService } from './examples/echo.service';
import { ProtocolProbeBackend } from './examples/protocol-probe.service';

/** PROTOCOL §1–§2: every bad frame is dropped; the connection and every other client keep working. */
describe('bad input', () => {
  let server: RunningSnorkyApp;
  let socket: TestSocket;
  let bystander: TestSocket;
  const MAX = 4096;

  beforeAll(async () => {
    server = await startSnorkyApp([EchoService, CalculatorService, ProtocolProbeBackend], { maxFrameSize: MAX });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    socket = await TestSocket.open(server.wsUrl);
    bystander = await TestSocket.open(server.wsUrl);
  });
  afterEach(async () => {
    await socket.close();
    await bystander.close();
  });

  async function expectStillWorking(): Promise<void> {
    for (const peer of [socket, bystander]) {
      expect(peer.isOpen).toBe(true);
      expect((await peer.call('calculator', 'sum', { number1: 2, number2: 2 }, 'ok')).message).toEqual({
        type: 'response',
        callId: 'ok',
        data: 4,
      });
    }
  }

  it.each([
    ['not JSON', '{"service": "echo", "message": '],
    ['a JSON array', '[1, 2, 3]'],
    ['a JSON string', '"echo"'],
    ['a JSON number', '42'],
    ['null', 'null'],
    ['an envelope without service', '{"message": "hi"}'],
    ['an envelope with a non-string service', '{"service": 5, "message": "hi"}'],
    ['an envelope without message', '{"service": "echo"}'],
    ['an unknown service', '{"service": "nope", "message": "hi"}'],
    ['a backend service on the frontend', '{"service": "probe_backend", "message": {"command": "ping", "params": {}, "callId": 1}}'],
    ['an RPC message that is not an object', '{"service": "calculator", "message": [1]}'],
    ['an RPC message without command', '{"service": "calculator", "message": {"params": {}, "callId": 1}}'],
    ['an RPC message with a non-string command', '{"service": "calculator", "message": {"command": 1, "params": {}, "callId": 1}}'],
    ['an RPC message without params', '{"service": "calculator", "message": {"command": "sum", "callId": 1}}'],
    ['an RPC message with array params', '{"service": "calculator", "message": {"command": "sum", "params": [1, 2], "callId": 1}}'],
    ['an RPC message with an object callId', '{"service": "calculator", "message": {"command": "sum", "params": {}, "callId": {}}}'],
  ])('drops %s without reply and keeps the connection', async (_what, frame) => {
    socket.send(frame);
    await socket.expectSilence(150);
    await expectStillWorking();
  });

  it('answers a frame of maxFrameSize, and closes (1009) a connection sending a larger one, without buffering it', async () => {
    socket.send({ service: 'echo', message: 'y'.repeat(MAX - 100) });
    expect((await socket.next()).message).toHaveLength(MAX - 100);
    // PROTOCOL §11 / docs/protocol-notes.md: `ws` stops at maxFrameSize (maxPayload) instead of buffering more.
    const closed = new Promise<number>((resolve) => socket.ws.once('close', (code) => resolve(code)));
    socket.send({ service: 'echo', message: 'x'.repeat(MAX * 2) });
    expect(await closed).toBe(1009);
    expect((await bystander.call('calculator', 'sum', { number1: 2, number2: 2 }, 'ok')).message).toEqual({ type: 'response', callId: 'ok', data: 4 });
  });

  it('drops a binary frame and keeps the connection', async () => {
    socket.ws.send(Buffer.from('{"service":"echo","message":"hi"}'), { binary: true });
    await socket.expectSilence(150);
    await expectStillWorking();
  });

  it('survives a flood of bad frames interleaved with good ones, answering every good one', async () => {
    for (let i = 0; i < 200; i++) {
      socket.send('garbage ' + i);
      socket.send({ service: 'calculator', message: { command: 'sum', params: { number1: i, number2: 1 }, callId: i } });
    }
    for (let i = 0; i < 200; i++) expect((await socket.next()).message).toEqual({ type: 'response', callId: i, data: i + 1 });
    await expectStillWorking();
  });
});
