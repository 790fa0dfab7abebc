import { DataSync, Snorky, type DeltaBatch, type JournalPosition, type SocketLike, type SubscriptionLostEvent } from '@snorky/client';

/**
 * The connector's resume logic against a scripted socket: the test plays the server, frame by frame,
 * so orderings a real server produces only by chance (a position frame while an acquire is pending,
 * a refusal, a drop mid-resume) are exact here. Over a real server: test/client (after the server side).
 */
interface Frame {
  service: string;
  message: { command: string; params: any; callId: number };
}

class ScriptedSocket implements SocketLike {
  readyState = 0;
  onopen: ((event: any) => void) | null = null;
  onmessage: ((event: any) => void) | null = null;
  onclose: ((event: any) => void) | null = null;
  onerror: ((event: any) => void) | null = null;
  readonly sent: Frame[] = [];

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify({ service: 'datasync', message }) });
  }
  /** Frames sent for `command`, in order. */
  calls(command: string): Frame['message'][] {
    return this.sent.map((f) => f.message).filter((m) => m.command === command);
  }
  reply(call: { callId: number }, data: unknown): void {
    this.receive({ type: 'response', callId: call.callId, data });
  }
  refuse(call: { callId: number }, message: string): void {
    this.receive({ type: 'error', callId: call.callId, message });
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const at = (seq: number, epoch = 'e1'): JournalPosition => ({ epoch, seq });
const insert = (id: number) => ({ type: 'insert' as const, model: 'Todo', data: { id } });

function setup() {
  const sockets: ScriptedSocket[] = [];
  const socketClass = class extends ScriptedSocket {
    constructor() {
      super();
      sockets.push(this);
    }
  };
  const snorky = new Snorky('ws://scripted', { datasync: DataSync }, { socketClass, reconnect: { initialDelay: 1, jitter: 0 } });
  const datasync = snorky.services.datasync;
  datasync.resumeRetry = { initialDelay: 5, factor: 2, jitter: 0 };
  const lost: SubscriptionLostEvent[] = [];
  const resumed: string[] = [];
  const batches: DeltaBatch[] = [];
  const deltas: unknown[] = [];
  datasync.subscriptionLost.add((e) => lost.push(e));
  datasync.subscriptionResumed.add((e) => resumed.push(e.token));
  datasync.batchReceived.add((b) => batches.push(b));
  datasync.deltaReceived.add((d) => deltas.push(d));
  sockets[0].open();
  const socket = () => sockets[sockets.length - 1];

  /** Drops the connection and opens the next one (the client reconnects after 1 ms). */
  async function reconnect(): Promise<ScriptedSocket> {
    const count = sockets.length;
    socket().drop();
    while (sockets.length === count) await new Promise((r) => setTimeout(r, 1));
    socket().open();
    return socket();
  }

  /** Acquires `token`, answered with `position` (null: a server without resume). */
  async function acquire(token: string, position: JournalPosition | null): Promise<void> {
    const pending = datasync.acquireSubscription({ token });
    const call = socket().calls('acquireSubscription').find((c) => c.params.token === token)!;
    socket().reply(call, position && { resumeToken: `R-${token}`, position });
    await pending;
  }

  return { snorky, datasync, socket, reconnect, acquire, lost, resumed, batches, deltas };
}

describe('DataSync resume', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());
  function start() {
    const t = setup();
    close = () => t.snorky.disconnect();
    return t;
  }

  it('acquires with resume: true by default, and as before with resume = false', async () => {
    const { datasync, socket, reconnect, acquire, lost } = start();
    await acquire('A', at(1));
    expect(socket().calls('acquireSubscription')[0].params).toEqual({ token: 'A', resume: true });
    datasync.resume = false;
    const pending = datasync.acquireSubscription({ token: 'B' });
    expect(socket().calls('acquireSubscription')[1].params).toEqual({ token: 'B' });
    socket().reply(socket().calls('acquireSubscription')[1], null);
    await pending;

    const next = await reconnect();
    expect(next.calls('resumeSubscription').map((c) => c.params.resumeToken)).toEqual(['R-A']);
    expect(lost).toEqual([{ token: 'B', reason: 'notResumable' }]);
  });

  it('acquires the old way from a server that refuses the resume param, until the next connection', async () => {
    const { datasync, socket, reconnect, lost } = start();
    const pending = datasync.acquireSubscription({ token: 'A' });
    socket().refuse(socket().calls('acquireSubscription')[0], 'Invalid params');
    await settle();
    const [, retry] = socket().calls('acquireSubscription');
    expect(retry.params).toEqual({ token: 'A' });
    socket().reply(retry, null);
    await expect(pending).resolves.toBeNull();
    datasync.acquireSubscription({ token: 'B' }).catch(() => undefined);
    expect(socket().calls('acquireSubscription')[2].params).toEqual({ token: 'B' });

    const next = await reconnect();
    await settle();
    // B's reply was lost with the connection: not resumable either.
    expect(lost).toEqual([
      { token: 'A', reason: 'notResumable' },
      { token: 'B', reason: 'notResumable' },
    ]);
    datasync.acquireSubscription({ token: 'C' }).catch(() => undefined);
    expect(next.calls('acquireSubscription').map((c) => c.params)).toEqual([{ token: 'C', resume: true }]);
  });

  it('tracks the position through deltas frames, drops duplicates, and resumes from the last one', async () => {
    const { socket, reconnect, acquire, batches, deltas } = start();
    await acquire('A', at(5));
    socket().receive({ type: 'deltas', token: 'A', position: at(7), deltas: [insert(1), insert(2)] });
    socket().receive({ type: 'deltas', token: 'A', position: at(7), deltas: [insert(1), insert(2)] });
    socket().receive({ type: 'deltas', token: 'A', position: at(6), deltas: [insert(0)] });
    socket().receive({ type: 'deltas', token: 'A', position: at(9), deltas: [insert(3)] });
    expect(batches).toEqual([
      { token: 'A', position: at(7), deltas: [insert(1), insert(2)] },
      { token: 'A', position: at(9), deltas: [insert(3)] },
    ]);
    expect(deltas).toEqual([insert(1), insert(2), insert(3)]);

    const next = await reconnect();
    expect(next.calls('resumeSubscription').map((c) => c.params)).toEqual([{ resumeToken: 'R-A', position: at(9) }]);
  });

  it('takes a batch of another epoch as new, not as a duplicate', async () => {
    const { socket, acquire, batches } = start();
    await acquire('A', at(5));
    socket().receive({ type: 'deltas', token: 'A', position: at(2, 'e2'), deltas: [insert(1)] });
    expect(batches).toHaveLength(1);
  });

  it('makes an old-style delta frame a batch of one and still dispatches deltaReceived', async () => {
    const { socket, batches, deltas } = start();
    socket().receive({ type: 'delta', delta: insert(1) });
    expect(batches).toEqual([{ deltas: [insert(1)] }]);
    expect(deltas).toEqual([insert(1)]);
  });

  it('advances by position frames only the subscriptions whose reply has arrived, in the same epoch', async () => {
    const { datasync, socket, reconnect, acquire } = start();
    await acquire('A', at(5));
    const pendingB = datasync.acquireSubscription({ token: 'B' });
    socket().receive({ type: 'position', position: at(10) });
    socket().receive({ type: 'position', position: at(50, 'other') });
    socket().receive({ type: 'position', position: at(8) });
    socket().reply(socket().calls('acquireSubscription')[1], { resumeToken: 'R-B', position: at(7) });
    await pendingB;

    const next = await reconnect();
    expect(next.calls('resumeSubscription').map((c) => c.params)).toEqual([
      { resumeToken: 'R-A', position: at(10) },
      { resumeToken: 'R-B', position: at(7) },
    ]);
    // While a resume is unanswered its missed batches may still be coming: a position frame is not for it.
    next.reply(next.calls('resumeSubscription')[0], { position: at(10) });
    await settle();
    next.receive({ type: 'position', position: at(30) });
    const third = await reconnect();
    expect(third.calls('resumeSubscription').map((c) => c.params)).toEqual([
      { resumeToken: 'R-A', position: at(30) },
      { resumeToken: 'R-B', position: at(7) },
    ]);
  });

  it('resumes before queued requests go out, then reports it and counts the subscription active again', async () => {
    const { snorky, datasync, socket, reconnect, acquire, resumed, batches } = start();
    await acquire('A', at(5));
    socket().drop();
    const queued = datasync.acquireSubscription({ token: 'C' });
    while (snorky.state !== 'connecting') await new Promise((r) => setTimeout(r, 1));
    socket().open();
    const next = socket();
    expect(next.sent.map((f) => f.message.command)).toEqual(['resumeSubscription', 'acquireSubscription']);
    const [resume] = next.calls('resumeSubscription');
    expect(datasync.activeSubscriptions).toEqual([]);

    // Missed batches come before the reply; one already seen before the drop is dropped.
    next.receive({ type: 'deltas', token: 'A', position: at(5), deltas: [insert(1)] });
    next.receive({ type: 'deltas', token: 'A', position: at(6), deltas: [insert(2)] });
    next.reply(resume, { position: at(8) });
    await settle();
    expect(batches.map((b) => b.position)).toEqual([at(6)]);
    expect(resumed).toEqual(['A']);
    expect(datasync.activeSubscriptions).toEqual(['A']);
    next.reply(next.calls('acquireSubscription')[0], null);
    await queued;

    const third = await reconnect();
    expect(third.calls('resumeSubscription')[0].params.position).toEqual(at(8));
  });

  it('tries a resume again after Service unavailable, while connected', async () => {
    const { socket, reconnect, acquire, resumed, lost } = start();
    await acquire('A', at(5));
    const next = await reconnect();
    next.refuse(next.calls('resumeSubscription')[0], 'Service unavailable');
    await settle();
    expect(next.calls('resumeSubscription')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(next.calls('resumeSubscription')).toHaveLength(2);
    next.refuse(next.calls('resumeSubscription')[1], 'Service unavailable');
    await new Promise((r) => setTimeout(r, 30));
    const [, , third] = next.calls('resumeSubscription');
    expect(third.params).toEqual({ resumeToken: 'R-A', position: at(5) });
    next.reply(third, { position: at(5) });
    await settle();
    expect(resumed).toEqual(['A']);
    expect(lost).toEqual([]);
    expect(socket()).toBe(next);
  });

  it('stops retrying when the connection drops and resumes on the next one', async () => {
    const { reconnect, acquire } = start();
    await acquire('A', at(5));
    const second = await reconnect();
    second.refuse(second.calls('resumeSubscription')[0], 'Service unavailable');
    await settle();
    const third = await reconnect();
    await new Promise((r) => setTimeout(r, 20));
    expect(second.calls('resumeSubscription')).toHaveLength(1);
    expect(third.calls('resumeSubscription').map((c) => c.params)).toEqual([{ resumeToken: 'R-A', position: at(5) }]);
  });

  it('reports any other refusal as subscriptionLost with the reason, and forgets the subscription', async () => {
    const { datasync, reconnect, acquire, lost, resumed } = start();
    await acquire('A', at(5));
    await acquire('B', at(5));
    const next = await reconnect();
    const [resumeA, resumeB] = next.calls('resumeSubscription');
    next.refuse(resumeA, 'Cannot resume subscription');
    next.reply(resumeB, { position: at(5) });
    await settle();
    expect(lost).toEqual([{ token: 'A', reason: 'Cannot resume subscription' }]);
    expect(resumed).toEqual(['B']);
    expect(datasync.activeSubscriptions).toEqual(['B']);
    const third = await reconnect();
    expect(third.calls('resumeSubscription').map((c) => c.params.resumeToken)).toEqual(['R-B']);
  });

  it('keeps a subscription whose resume was cut by another drop, for the next reconnect', async () => {
    const { reconnect, acquire, lost } = start();
    await acquire('A', at(5));
    const second = await reconnect();
    second.receive({ type: 'deltas', token: 'A', position: at(6), deltas: [insert(1)] });
    const third = await reconnect();
    await settle();
    expect(lost).toEqual([]);
    expect(third.calls('resumeSubscription').map((c) => c.params)).toEqual([{ resumeToken: 'R-A', position: at(6) }]);
  });

  it('reports the server-sent subscriptionLost as stale and forgets the token', async () => {
    const { datasync, socket, reconnect, acquire, lost } = start();
    await acquire('A', at(5));
    socket().receive({ type: 'subscriptionLost', token: 'A' });
    socket().receive({ type: 'subscriptionLost', token: 'unknown' });
    expect(lost).toEqual([{ token: 'A', reason: 'stale' }]);
    expect(datasync.activeSubscriptions).toEqual([]);
    const next = await reconnect();
    expect(next.calls('resumeSubscription')).toEqual([]);
  });

  it('reports an acquisition lost in flight as not resumable', async () => {
    const { datasync, reconnect, lost } = start();
    const pending = datasync.acquireSubscription({ token: 'A' }).catch((e: Error) => e);
    const next = await reconnect();
    expect((await pending) as Error).toMatchObject({ name: 'ConnectionLostError' });
    await settle();
    expect(next.calls('resumeSubscription')).toEqual([]);
    expect(lost).toEqual([{ token: 'A', reason: 'notResumable' }]);
  });

  it('cancels a subscription held while disconnected without asking the server', async () => {
    const { snorky, datasync, socket, acquire } = start();
    await acquire('A', at(5));
    socket().drop();
    await expect(datasync.cancelSubscription({ token: 'A' })).resolves.toBeNull();
    expect(snorky.queuedMessages).toBe(0);
    while (snorky.state !== 'connecting') await new Promise((r) => setTimeout(r, 1));
    socket().open();
    expect(socket().sent).toEqual([]);
  });
});
