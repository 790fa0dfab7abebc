import { HTTP_ADAPTERS, RunningSnorkyApp, startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';
import { CalculatorService } from './examples/calculator.service';
import { EchoService } from './examples/echo.service';
import { ProtocolProbeService } from './examples/protocol-probe.service';

/** PROTOCOL §1 envelope routing and §2 RPC, over a real WebSocket. */
describe.each(HTTP_ADAPTERS)('RPC services over WebSocket on %s', (adapter) => {
  let server: RunningSnorkyApp;
  let socket: TestSocket;

  beforeAll(async () => {
    server = await startSnorkyApp([EchoService, CalculatorService, ProtocolProbeService], {}, { adapter });
  });
  afterAll(() => server.close());
  beforeEach(async () => (socket = await TestSocket.open(server.wsUrl)));
  afterEach(() => socket.close());

  it('routes a raw message to a bare Service and replies in the same service envelope', async () => {
    socket.send({ service: 'echo', message: 'Hello' });
    expect(await socket.next()).toEqual({ service: 'echo', message: 'Hello' });
    socket.send({ service: 'echo', message: { nested: [1, null, 'x'] } });
    expect(await socket.next()).toEqual({ service: 'echo', message: { nested: [1, null, 'x'] } });
  });

  it('answers a command with its return value and echoes a numeric callId', async () => {
    expect(await socket.call('calculator', 'sum', { number1: 2, number2: 3 }, 7)).toEqual({
      service: 'calculator',
      message: { type: 'response', callId: 7, data: 5 },
    });
  });

  it('echoes a string callId and omits callId when the request had none', async () => {
    expect((await socket.call('calculator', 'sum', { number1: 1, number2: 1 }, 'abc')).message).toEqual({
      type: 'response',
      callId: 'abc',
      data: 2,
    });
    const reply = await socket.call('calculator', 'sum', { number1: 1, number2: 1 });
    expect(reply.message).toEqual({ type: 'response', data: 2 });
    expect('callId' in reply.message).toBe(false);
    const error = await socket.call('calculator', 'nope', {});
    expect(error.message).toEqual({ type: 'error', message: 'Unknown command' });
  });

  it('applies default parameter values', async () => {
    const withDefault = await socket.call('calculator', 'log', { number: Math.E ** 2 }, 1);
    expect(withDefault.message.data).toBeCloseTo(2, 10);
    const withBase = await socket.call('calculator', 'log', { number: 8, base: 2 }, 2);
    expect(withBase.message.data).toBeCloseTo(3, 10);
  });

  it('answers null when a command returns nothing', async () => {
    expect((await socket.call('probe', 'nothing', {}, 1)).message).toEqual({ type: 'response', callId: 1, data: null });
  });

  it.each([
    ['an unknown command', 'calculator', 'divide', { number1: 1, number2: 2 }, 'Unknown command'],
    ['a missing parameter', 'calculator', 'sum', { number1: 1 }, 'Invalid params'],
    ['an unknown parameter', 'calculator', 'sum', { number1: 1, number2: 2, number3: 3 }, 'Invalid params'],
    ['a wrongly typed parameter', 'calculator', 'sum', { number1: 1, number2: '2' }, 'Invalid params'],
    ['a wrongly typed optional parameter', 'calculator', 'log', { number: 1, base: 'e' }, 'Invalid params'],
    ['params to a command that takes none', 'probe', 'nothing', { extra: true }, 'Invalid params'],
    ['an RpcError', 'probe', 'fail', { text: 'Not today' }, 'Not today'],
    ['a thrown Error', 'probe', 'crash', {}, 'Internal error'],
    ['a rejected promise', 'probe', 'crashLater', {}, 'Internal error'],
  ])('answers %s with its error text', async (_what, service, command, params, text) => {
    const reply = await socket.call(service, command, params, 42);
    expect(reply).toEqual({ service, message: { type: 'error', callId: 42, message: text } });
    expect(JSON.stringify(reply)).not.toContain('secret');
  });

  it('lets a deferred command reply later, exactly once', async () => {
    expect((await socket.call('probe', 'later', { text: 'eventually' }, 9)).message).toEqual({
      type: 'response',
      callId: 9,
      data: 'eventually',
    });
    await socket.expectSilence(150);
  });

  it('sends notifications besides the response', async () => {
    socket.send({ service: 'probe', message: { command: 'notifyMe', params: { text: 'hi' }, callId: 3 } });
    expect(await socket.next()).toEqual({ service: 'probe', message: { type: 'note', text: 'hi' } });
    expect(await socket.next()).toEqual({ service: 'probe', message: { type: 'response', callId: 3, data: 'sent' } });
  });

  it('sees the client handle of the transport', async () => {
    expect((await socket.call('probe', 'whoami', {}, 0)).message.data).toBe('websocket');
  });

  it('sends exactly the frames the original Snorky.js sends (callIds from 0 per service)', async () => {
    // Snorky.js RPCService.call: {"command", "params", "callId"} with a counter per service starting at 0.
    const frames = [
      '{"service":"calculator","message":{"command":"sum","params":{"number1":1,"number2":2},"callId":0}}',
      '{"service":"probe","message":{"command":"nothing","params":{},"callId":0}}',
      '{"service":"calculator","message":{"command":"log","params":{"number":1},"callId":1}}',
    ];
    frames.forEach((f) => socket.send(f));
    const replies = [await socket.next(), await socket.next(), await socket.next()];
    expect(replies).toEqual([
      { service: 'calculator', message: { type: 'response', callId: 0, data: 3 } },
      { service: 'probe', message: { type: 'response', callId: 0, data: null } },
      { service: 'calculator', message: { type: 'response', callId: 1, data: 0 } },
    ]);
  });
});
