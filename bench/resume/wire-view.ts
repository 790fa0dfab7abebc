import { backoffDelay } from '@snorky/client';
import WebSocket from 'ws';

/** The SDK's default resumeRetry (libs/client backoff.ts): how a client waits out `Service unavailable`. */
const SDK_RESUME_RETRY = { initialDelay: 500, maxDelay: 15_000, factor: 2, jitter: 0.5, maxAttempts: Infinity, restartWindow: 5000 };

/** The server answered a call with an error. */
export class CallRefused extends Error {
  constructor(
    owner: number,
    readonly reason: string,
  ) {
    super(`owner ${owner}: ${reason}`);
  }
}

export interface Position {
  epoch: string;
  seq: number;
}

/**
 * One browser's live view of its owner's tasks, as a raw `ws` client speaking the DataSync wire
 * protocol (cheaper than the SDK, so 1 000 of them fit beside the server on 2 cores): its
 * subscription's token, resume token and last position, and the rows it has (counted and checked
 * in order rather than stored).
 */
export class WireView {
  token = '';
  resumeToken = '';
  position: Position = { epoch: '', seq: 0 };
  /** Rows received since the last (re)start, each checked to be the next of its owner. */
  rows = 0;
  /** `Service unavailable` answers to resumeSubscription (a cluster node that could not read the journal in time), retried as the SDK does. */
  refusals = 0;
  /** Told `Cannot resume subscription`: the view refetched instead. */
  lost = false;
  private ws: WebSocket | undefined;
  private nextCallId = 1;
  private readonly pending = new Map<number, { resolve(data: any): void; reject(err: Error): void }>();
  private problem: Error | undefined;

  constructor(readonly owner: number) {}

  /** Takes a freshly opened socket (the old one, if any, is dropped). */
  attach(ws: WebSocket): void {
    this.ws = ws;
    ws.on('message', (raw: Buffer) => this.frame(JSON.parse(raw.toString()).message));
  }

  /** A network drop: no close handshake, the server learns from the TCP reset. */
  drop(): void {
    this.ws?.terminate();
    this.ws = undefined;
  }

  call(command: string, params: object): Promise<any> {
    const callId = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.pending.set(callId, { resolve, reject });
      this.ws!.send(JSON.stringify({ service: 'datasync', message: { command, params, callId } }));
    });
  }

  async acquire(token: string): Promise<void> {
    const reply = await this.call('acquireSubscription', { token, resume: true });
    this.token = token;
    this.resumeToken = reply.resumeToken;
    this.position = reply.position;
  }

  /** resumeSubscription from the last position; throws unless exactly `expected` rows came, in order, before the reply. */
  async resume(expected: number): Promise<void> {
    let reply: any;
    for (let attempt = 0; !reply; attempt++) {
      this.rows = 0;
      try {
        reply = await this.call('resumeSubscription', { resumeToken: this.resumeToken, position: this.position });
      } catch (err) {
        if (!(err instanceof CallRefused && err.reason === 'Service unavailable')) throw err;
        this.refusals++;
        await new Promise((r) => setTimeout(r, backoffDelay(attempt, SDK_RESUME_RETRY)));
      }
    }
    this.check();
    if (this.rows !== expected) throw new Error(`owner ${this.owner}: ${this.rows} rows resumed, ${expected} expected`);
    if (reply.position.seq < this.position.seq) throw new Error(`owner ${this.owner}: reply position behind the last batch`);
    this.position = reply.position;
  }

  /** What refetching gives: the owner's rows, checked the same way as resumed deltas. */
  takeRows(rows: any[], expected: number): void {
    this.rows = 0;
    for (const row of rows) this.row(row);
    this.check();
    if (this.rows !== expected) throw new Error(`owner ${this.owner}: ${this.rows} rows refetched, ${expected} expected`);
  }

  private frame(message: any): void {
    if (message.callId !== undefined) {
      const call = this.pending.get(message.callId);
      this.pending.delete(message.callId);
      if (message.type === 'response') call?.resolve(message.data);
      else call?.reject(new CallRefused(this.owner, message.message));
    } else if (message.type === 'deltas') {
      const { epoch, seq } = message.position;
      if (message.token !== this.token || epoch !== this.position.epoch || seq <= this.position.seq) {
        this.problem ??= new Error(`owner ${this.owner}: unexpected deltas frame ${JSON.stringify(message.position)}`);
      }
      this.position = message.position;
      for (const delta of message.deltas) this.row(delta.data);
    }
    // `position` frames: an idle view's progress, nothing to check here.
  }

  private row(data: any): void {
    if (data.owner !== this.owner || data.seq !== this.rows) this.problem ??= new Error(`owner ${this.owner}: row ${JSON.stringify(data)} out of order`);
    this.rows++;
  }

  private check(): void {
    if (this.problem) throw this.problem;
  }
}

/** Row `seq` of an owner's tasks: the deltas published while the views are away (refetch-app.js serves the same rows). */
export const taskRow = (owner: number, seq: number) => ({ id: owner * 1000 + seq, owner, title: `task ${seq} of ${owner}`, done: false, seq });
