import { PubSub, Snorky } from '@snorky/client';

/**
 * The connector's position bookkeeping against a scripted server: a stand-in socket records what the
 * connector sends and lets the test deliver frames (the e2e suites run it against real servers).
 */
class ScriptedSocket {
  static last: ScriptedSocket;
  readyState = 0;
  onopen: ((event: any) => void) | null = null;
  onmessage: ((event: any) => void) | null = null;
  onclose: ((event: any) => void) | null = null;
  onerror: ((event: any) => void) | null = null;
  readonly sent: any[] = [];

  constructor(_url: string) {
    ScriptedSocket.last = this;
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data).message);
  }

  close(): void {
    this.drop();
  }

  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006, wasClean: false });
  }

  deliver(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify({ service: 'pubsub', message }) });
  }

  /** Answers the last request sent. */
  reply(data: unknown): void {
    this.deliver({ type: 'response', callId: this.sent[this.sent.length - 1].callId, data });
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const at = (seq: number, epoch = 'e') => ({ epoch, seq });
const message = (channel: unknown, n: number, position?: { epoch: string; seq: number }) => ({ type: 'message', channel, message: n, ...(position ? { position } : {}) });

async function connected(): Promise<{ snorky: Snorky<{ pubsub: typeof PubSub }>; pubsub: PubSub; socket: () => ScriptedSocket }> {
  const snorky = new Snorky('ws://scripted', { pubsub: PubSub }, { socketClass: ScriptedSocket as any, reconnect: { initialDelay: 1, maxDelay: 1, factor: 1, jitter: 0 } });
  await tick();
  return { snorky, pubsub: snorky.services.pubsub, socket: () => ScriptedSocket.last };
}

async function reconnect(socket: () => ScriptedSocket): Promise<ScriptedSocket> {
  const before = socket();
  before.drop();
  while (socket() === before || socket().readyState !== 1) await new Promise((r) => setTimeout(r, 2));
  return socket();
}

describe('PubSub positions', () => {
  it('subscribes with resume, resubscribes from the last position received, and drops a message already received', async () => {
    const { snorky, pubsub, socket } = await connected();
    const seen: unknown[] = [];
    pubsub.messagePublished.add((m) => seen.push(m.message));
    const subscribed = pubsub.subscribe({ channel: 'c' });
    expect(socket().sent[0]).toMatchObject({ command: 'subscribe', params: { channel: 'c', resume: true } });
    socket().reply({ position: at(3) });
    await expect(subscribed).resolves.toEqual({ position: at(3) });
    socket().deliver(message('c', 1, at(5)));
    socket().deliver(message('c', 1, at(5)));
    socket().deliver(message('c', 0, at(4)));
    expect(seen).toEqual([1]);
    expect(pubsub.positionOf('c')).toEqual(at(5));

    const next = await reconnect(socket);
    expect(next.sent[0]).toMatchObject({ command: 'subscribe', params: { channel: 'c', position: at(5) } });
    snorky.disconnect();
  });

  it('applies a position notification to channels whose reply came, not to one being resumed', async () => {
    const { snorky, pubsub, socket } = await connected();
    void pubsub.subscribe({ channel: 'a' });
    socket().reply({ position: at(1) });
    void pubsub.subscribe({ channel: 'b' });
    socket().reply({ position: at(1) });
    await tick();
    const next = await reconnect(socket);
    // 'a' resubscribed and answered; 'b' is still being caught up when the notification comes.
    expect(next.sent.map((m) => m.params.channel)).toEqual(['a', 'b']);
    next.deliver({ type: 'response', callId: next.sent[0].callId, data: { position: at(10) } });
    await tick();
    next.deliver({ type: 'position', position: at(20) });
    next.deliver(message('b', 7, at(7)));
    expect(pubsub.positionOf('a')).toEqual(at(20));
    expect(pubsub.positionOf('b')).toEqual(at(7));
    next.deliver({ type: 'response', callId: next.sent[1].callId, data: { position: at(20) } });
    await tick();
    expect(pubsub.positionOf('b')).toEqual(at(20));
    snorky.disconnect();
  });

  it('takes a position of another epoch (the journal started over), and resume = false sends neither', async () => {
    const { snorky, pubsub, socket } = await connected();
    void pubsub.subscribe({ channel: 'c' });
    socket().reply({ position: at(9, 'old') });
    await tick();
    socket().deliver(message('c', 1, at(1, 'new')));
    expect(pubsub.positionOf('c')).toEqual(at(1, 'new'));
    pubsub.resume = false;
    void pubsub.subscribe({ channel: 'd' });
    expect(socket().sent[1].params).toEqual({ channel: 'd' });
    const next = await reconnect(socket);
    expect(next.sent.map((m) => m.params)).toEqual([{ channel: 'c' }]);
    snorky.disconnect();
  });

  it('subscribes the old way on a server without resume (it refuses the param as Invalid params), and restores that way', async () => {
    const { snorky, pubsub, socket } = await connected();
    const subscribed = pubsub.subscribe({ channel: 'old' });
    expect(socket().sent[0]).toMatchObject({ command: 'subscribe', params: { channel: 'old', resume: true } });
    socket().deliver({ type: 'error', callId: socket().sent[0].callId, message: 'Invalid params' });
    await tick();
    expect(socket().sent[1]).toMatchObject({ command: 'subscribe', params: { channel: 'old' } });
    socket().reply(null);
    await expect(subscribed).resolves.toBeNull();
    pubsub.subscribe({ channel: 'other' });
    expect(socket().sent[2].params).toEqual({ channel: 'other' });
    socket().reply(null);
    await tick();
    const next = await reconnect(socket);
    expect(next.sent.map((m) => m.params)).toEqual([{ channel: 'old' }, { channel: 'other' }]);
    snorky.disconnect();
  });

  it('a channel refused as Invalid params twice (too large, say) is refused, and resume stays on', async () => {
    const { snorky, pubsub, socket } = await connected();
    const subscribed = pubsub.subscribe({ channel: 'x'.repeat(10) });
    socket().deliver({ type: 'error', callId: socket().sent[0].callId, message: 'Invalid params' });
    await tick();
    socket().deliver({ type: 'error', callId: socket().sent[1].callId, message: 'Invalid params' });
    await expect(subscribed).rejects.toThrow('Invalid params');
    pubsub.subscribe({ channel: 'ok' });
    expect(socket().sent[2].params).toEqual({ channel: 'ok', resume: true });
    snorky.disconnect();
  });

  it('retries a restore refused with Service unavailable (a node without Redis), and gives the channel up only after maxAttempts', async () => {
    const { snorky, pubsub, socket } = await connected();
    pubsub.restoreRetry = { initialDelay: 1, maxDelay: 1, jitter: 0, maxAttempts: 3 };
    const restored: unknown[] = [];
    pubsub.subscriptionsRestored.add((e) => restored.push(e));
    pubsub.subscribe({ channel: 'kept' });
    socket().reply({ position: at(1) });
    pubsub.subscribe({ channel: 'given up' });
    socket().reply({ position: at(1) });
    await tick();
    const next = await reconnect(socket);
    // The server, per channel: 'kept' is refused twice then accepted; 'given up' is always refused.
    let answered = 0;
    const tries: Record<string, number> = {};
    while (restored.length === 0) {
      for (; answered < next.sent.length; answered++) {
        const { callId, params } = next.sent[answered];
        tries[params.channel] = (tries[params.channel] ?? 0) + 1;
        if (params.channel === 'kept' && tries.kept === 3) next.deliver({ type: 'response', callId, data: { position: at(2) } });
        else next.deliver({ type: 'error', callId, message: 'Service unavailable' });
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(tries).toEqual({ kept: 3, 'given up': 3 });
    expect(restored).toEqual([{ restored: ['kept'], failed: [{ channel: 'given up', error: expect.objectContaining({ message: 'Service unavailable' }) }] }]);
    expect(pubsub.subscribedChannels).toEqual(['kept']);
    snorky.disconnect();
  });
});
