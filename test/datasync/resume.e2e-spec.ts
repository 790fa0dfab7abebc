import { DATASYNC_OPTIONS, DataSyncBackend, DataSyncService, Dealer, SimpleDealer } from '@snorky/nest';
import { backendCall, RunningSnorkyApp, startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';

@Dealer()
class TasksByOwner extends SimpleDealer {
  model = 'Task';
  key = 'owner';
}

const RESUME_WINDOW_S = 1;
const JOURNAL_MAX_ENTRIES = 20;

/**
 * Resuming a DataSync subscription after a reconnect (docs/protocol-notes.md, "Resume"), single node,
 * over real WebSockets and the real backend endpoint: the wire additions, exactly once and in order,
 * and every way it is refused.
 */
describe('DataSync resume (single node)', () => {
  let server: RunningSnorkyApp;
  const sockets: TestSocket[] = [];

  const open = async () => {
    const socket = await TestSocket.open(server.wsUrl);
    sockets.push(socket);
    return socket;
  };
  const token = async (owner: number): Promise<string> => {
    const reply = await backendCall(server.backendUrl, 'datasync_backend', 'authorizeSubscription', { items: [{ dealer: 'TasksByOwner', query: owner }] });
    if (reply.type !== 'response') throw new Error(`authorizeSubscription failed: ${JSON.stringify(reply)}`);
    return reply.data;
  };
  const publish = async (deltas: unknown[]) =>
    expect(await backendCall(server.backendUrl, 'datasync_backend', 'publishDeltas', { deltas })).toEqual({ type: 'response', data: null });
  const insert = (id: number, owner: number) => ({ type: 'insert', model: 'Task', data: { id, owner } });
  const data = (reply: any) => {
    if (reply.message.type !== 'response') throw new Error(`expected a response, got ${JSON.stringify(reply)}`);
    return reply.message.data;
  };
  const acquireResumable = async (socket: TestSocket, t: string) => data({ message: await call(socket, 'acquireSubscription', { token: t, resume: true }, 1) });
  const resume = (socket: TestSocket, params: unknown) => {
    socket.send({ service: 'datasync', message: { command: 'resumeSubscription', params, callId: 2 } });
  };
  /** The next frame's message, `position` notifications (sent every 0.1 s here) skipped. */
  const next = async (socket: TestSocket): Promise<any> => {
    for (;;) {
      const frame = await socket.next();
      if (frame.message.type !== 'position') return frame.message;
    }
  };
  const call = async (socket: TestSocket, command: string, params: object, callId: number) => {
    socket.send({ service: 'datasync', message: { command, params, callId } });
    return next(socket);
  };
  /** Reads frames up to the reply of callId 2; returns [notifications before it, the reply]. */
  const untilReply = async (socket: TestSocket): Promise<[any[], any]> => {
    const before: any[] = [];
    for (;;) {
      const message = await next(socket);
      if (message.callId === 2) return [before, message];
      before.push(message);
    }
  };

  beforeAll(async () => {
    server = await startSnorkyApp([
      DataSyncService,
      DataSyncBackend,
      { provide: DATASYNC_OPTIONS, useValue: { resumeWindow: RESUME_WINDOW_S, journalMaxEntries: JOURNAL_MAX_ENTRIES, positionInterval: 0.1 } },
      TasksByOwner,
    ]);
  });
  afterAll(() => server.close());
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });

  it('a resumable subscription gets each batch as one frame with its position; an original client still gets one frame per delta', async () => {
    const alice = await open();
    const legacy = await open();
    const t = await token(1);
    const reply = await acquireResumable(alice, t);
    expect(reply).toEqual({ resumeToken: expect.stringMatching(/^[\w-]{32}$/), position: { epoch: expect.any(String), seq: expect.any(Number) } });
    expect(reply.resumeToken).not.toBe(t);
    const t2 = await token(1);
    expect(await call(legacy, 'acquireSubscription', { token: t2 }, 1)).toEqual({ type: 'response', callId: 1, data: null });

    await publish([insert(1, 1), insert(2, 2), insert(3, 1)]);
    expect(await next(alice)).toEqual({ type: 'deltas', token: t, position: { epoch: reply.position.epoch, seq: reply.position.seq + 1 }, deltas: [insert(1, 1), insert(3, 1)] });
    expect(await next(legacy)).toEqual({ type: 'delta', delta: insert(1, 1) });
    expect(await next(legacy)).toEqual({ type: 'delta', delta: insert(3, 1) });
  });

  it('after a dropped connection, resumeSubscription sends what was missed, once and in order, before the reply and live deltas', async () => {
    const first = await open();
    const t = await token(7);
    const { resumeToken, position } = await acquireResumable(first, t);
    await publish([insert(10, 7)]);
    const seen = await next(first);
    first.ws.terminate(); // no close handshake: as a network drop
    await new Promise((r) => setTimeout(r, 50));

    await publish([insert(11, 7), insert(12, 8)]);
    await publish([insert(13, 8)]); // concerns nobody here: advances the journal only
    await publish([{ type: 'update', model: 'Task', oldData: { id: 11, owner: 7 }, newData: { id: 11, owner: 7, done: true } }]);

    const second = await open();
    resume(second, { resumeToken, position: seen.position });
    const [missed, reply] = await untilReply(second);
    expect(missed).toEqual([
      { type: 'deltas', token: t, position: { epoch: position.epoch, seq: seen.position.seq + 1 }, deltas: [insert(11, 7)] },
      {
        type: 'deltas',
        token: t,
        position: { epoch: position.epoch, seq: seen.position.seq + 3 },
        deltas: [{ type: 'update', model: 'Task', oldData: { id: 11, owner: 7 }, newData: { id: 11, owner: 7, done: true } }],
      },
    ]);
    expect(reply).toEqual({ type: 'response', callId: 2, data: { position: { epoch: position.epoch, seq: seen.position.seq + 3 } } });

    await publish([insert(14, 7)]);
    expect(await next(second)).toMatchObject({ type: 'deltas', token: t, deltas: [insert(14, 7)] });
    // Still the same subscription, by its token: cancel works, and a cancelled one cannot be resumed.
    expect(await call(second, 'cancelSubscription', { token: t }, 3)).toEqual({ type: 'response', callId: 3, data: null });
    resume(second, { resumeToken, position: seen.position });
    expect((await untilReply(second))[1]).toEqual({ type: 'error', callId: 2, message: 'Cannot resume subscription' });
  });

  it('serves resumes arriving together from one read of the journal, each from its own position, once and in order', async () => {
    interface View {
      socket: TestSocket;
      t: string;
      resumeToken: string;
      position: { epoch: string; seq: number };
    }
    const views: View[] = await Promise.all(
      [0, 1, 2].map(async () => {
        const socket = await open();
        const t = await token(20);
        return { socket, t, ...(await acquireResumable(socket, t)) };
      }),
    );
    const last = async (view: View) => {
      const got = view.socket.frames.map((f: any) => f.message).filter((m: any) => m.type === 'deltas');
      return got.length ? got[got.length - 1].position : view.position;
    };
    const left: any[] = [];
    // The views leave one after the other, two batches apart: each misses what was published after it left.
    for (const view of views) {
      await new Promise((r) => setTimeout(r, 50));
      left.push(await last(view));
      view.socket.ws.terminate();
      await publish([insert(4000 + left.length, 20)]);
      await publish([insert(5000 + left.length, 21), insert(6000 + left.length, 20)]);
    }
    const again = await Promise.all(views.map(() => open()));
    again.forEach((socket, i) => resume(socket, { resumeToken: views[i].resumeToken, position: left[i] }));
    const results = await Promise.all(again.map((socket) => untilReply(socket)));
    for (const [i, [missed, reply]] of results.entries()) {
      expect(reply).toMatchObject({ type: 'response', callId: 2 });
      const expected: number[] = [];
      for (let k = i + 1; k <= views.length; k++) expected.push(4000 + k, 6000 + k);
      expect(missed.flatMap((m) => m.deltas.map((d: any) => d.data.id))).toEqual(expected);
      expect(missed.every((m) => m.token === views[i].t && m.position.seq > left[i].seq)).toBe(true);
    }
  });

  it('resuming from the last position leaves nothing to send; a second connection resuming takes the subscription over', async () => {
    const a = await open();
    const t = await token(3);
    const { resumeToken, position } = await acquireResumable(a, t);
    const b = await open();
    resume(b, { resumeToken, position });
    expect(await untilReply(b)).toEqual([[], { type: 'response', callId: 2, data: { position } }]);
    await publish([insert(30, 3)]);
    expect(await next(b)).toMatchObject({ type: 'deltas', deltas: [insert(30, 3)] });
    await new Promise((r) => setTimeout(r, 150));
    expect(a.frames.filter((f) => f.message.type === 'deltas')).toEqual([]); // taken over: nothing more on a
  });

  it('an idle connection is told the position it has reached, so it can resume after batches that did not concern it', async () => {
    const idle = await open();
    const t = await token(4);
    const { resumeToken } = await acquireResumable(idle, t);
    for (let i = 0; i < JOURNAL_MAX_ENTRIES + 5; i++) await publish([insert(100 + i, 9)]);
    let frame = await idle.next(2000);
    while (frame.message.type === 'position' && frame.message.position.seq < (await head())) frame = await idle.next(2000);
    expect(frame.message).toEqual({ type: 'position', position: { epoch: expect.any(String), seq: await head() } });
    idle.ws.terminate();
    const again = await open();
    resume(again, { resumeToken, position: frame.message.position });
    expect((await untilReply(again))[1]).toMatchObject({ type: 'response', data: { position: frame.message.position } });
  });

  it('refuses to resume beyond the journal, from another epoch, or after the resume window; told "Cannot resume subscription"', async () => {
    const a = await open();
    const t = await token(5);
    const { resumeToken, position } = await acquireResumable(a, t);
    a.ws.terminate();
    for (let i = 0; i < JOURNAL_MAX_ENTRIES + 1; i++) await publish([insert(200 + i, 5)]);
    const b = await open();
    resume(b, { resumeToken, position });
    expect((await untilReply(b))[1]).toEqual({ type: 'error', callId: 2, message: 'Cannot resume subscription' });
    resume(b, { resumeToken, position: { epoch: 'another-epoch', seq: position.seq } });
    expect((await untilReply(b))[1]).toEqual({ type: 'error', callId: 2, message: 'Cannot resume subscription' });

    const c = await open();
    const t2 = await token(6);
    const kept = await acquireResumable(c, t2);
    c.ws.terminate();
    await new Promise((r) => setTimeout(r, RESUME_WINDOW_S * 1000 * 2 + 200));
    resume(b, { resumeToken: kept.resumeToken, position: kept.position });
    expect((await untilReply(b))[1]).toEqual({ type: 'error', callId: 2, message: 'Cannot resume subscription' });
  });

  it('answers Invalid params for a malformed resume, prototype-named keys included, and stays usable', async () => {
    const s = await open();
    const bad = [
      {},
      { resumeToken: 5, position: { epoch: 'e', seq: 1 } },
      { resumeToken: 'x', position: { epoch: 'e', seq: -1 } },
      { resumeToken: 'x', position: { epoch: 'e', seq: 1.5 } },
      { resumeToken: 'x', position: { epoch: '', seq: 1 } },
      { resumeToken: 'x', position: JSON.parse('{"epoch":"e","seq":1,"__proto__":{"seq":2}}') },
      { resumeToken: 'x', position: JSON.parse('{"__proto__":{"epoch":"e","seq":1}}') },
      { resumeToken: 'x', position: [1, 2] },
    ];
    for (const params of bad) {
      resume(s, params);
      expect((await untilReply(s))[1]).toEqual({ type: 'error', callId: 2, message: 'Invalid params' });
    }
    expect(await call(s, 'acquireSubscription', { token: await token(1), resume: 'yes' }, 1)).toEqual({
      type: 'error',
      callId: 1,
      message: 'Invalid params',
    });
    resume(s, { resumeToken: 'unknown', position: { epoch: 'e', seq: 1 } });
    expect((await untilReply(s))[1]).toEqual({ type: 'error', callId: 2, message: 'Cannot resume subscription' });
  });

  /** The journal's head, read from a fresh resumable subscription's reply. */
  async function head(): Promise<number> {
    const probe = await open();
    const { position } = await acquireResumable(probe, await token(999));
    return position.seq;
  }
});
