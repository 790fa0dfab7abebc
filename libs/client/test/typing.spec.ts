import { DataSync, PubSub, RpcService, Snorky, rpcConnector } from '@snorky/client';

/**
 * Compile-time checks of the typed command declarations: `npm test` runs
 * tsc first, so each `@ts-expect-error` below fails the build if the error
 * it expects goes away. The runtime part checks the generated methods.
 */
type CalcCommands = {
  sum: { params: { a: number; b: number }; result: number };
  ping: { params: {}; result: string };
};
class Calc extends rpcConnector<CalcCommands>(['sum', 'ping']) {}

describe('typed connectors', () => {
  const snorky = new Snorky('ws://unused', { calc: Calc, pubsub: PubSub, datasync: DataSync, raw: RpcService }, { autoConnect: false });

  it('type-checks commands, params and results', () => {
    const sum: Promise<number> = snorky.services.calc.sum({ a: 1, b: 2 });
    const ping: Promise<string> = snorky.services.calc.ping();
    snorky.services.pubsub.subscribe({ channel: { room: 1 } });
    snorky.services.datasync.acquireSubscription({ token: 't' });
    // An untyped RpcService accepts anything.
    snorky.services.raw.call('whatever', { x: 1 });

    // @ts-expect-error: wrong param type
    snorky.services.calc.sum({ a: 1, b: 'two' });
    // @ts-expect-error: missing param
    snorky.services.calc.sum({ a: 1 });
    // @ts-expect-error: unknown command
    snorky.services.calc.call('product', { a: 1, b: 2 });
    // @ts-expect-error: publish needs a message
    snorky.services.pubsub.publish({ channel: 'news' });
    // @ts-expect-error: token must be a string
    snorky.services.datasync.acquireSubscription({ token: 1 });

    for (const p of [sum, ping]) p.catch(() => undefined);
    expect(snorky.queuedMessages).toBe(10); // the refused calls still run
  });

  it('queues {command, params, callId} with callIds counting from 0 per service', () => {
    const frames = (snorky as unknown as { queue: { frame: string }[] }).queue.map((q) => JSON.parse(q.frame));
    expect(frames[0]).toEqual({ service: 'calc', message: { command: 'sum', params: { a: 1, b: 2 }, callId: 0 } });
    expect(frames[1]).toEqual({ service: 'calc', message: { command: 'ping', params: {}, callId: 1 } });
    expect(frames[2]).toEqual({ service: 'pubsub', message: { command: 'subscribe', params: { channel: { room: 1 }, resume: true }, callId: 0 } });
    expect(frames[3].message.callId).toBe(0);
  });

  it('refuses to overwrite an existing method, like addRPCMethods did', () => {
    expect(() => rpcConnector<{ call: { params: {}; result: null } }>(['call'])).toThrow('already exists');
    class Legacy extends RpcService {}
    (Legacy as unknown as { addRPCMethods(c: string[]): void }).addRPCMethods(['hello']);
    expect(typeof (Legacy.prototype as unknown as Record<string, unknown>).hello).toBe('function');
  });

  it('rejects queued calls with DisconnectedError on disconnect()', async () => {
    const s = new Snorky('ws://unused', { calc: Calc }, { autoConnect: false });
    const pending = s.services.calc.sum({ a: 1, b: 2 });
    s.disconnect();
    await expect(pending).rejects.toMatchObject({ name: 'DisconnectedError' });
    expect(s.queuedMessages).toBe(0);
  });
});
