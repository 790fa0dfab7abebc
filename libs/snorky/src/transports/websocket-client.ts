import type { Socket } from 'net';
import type { WebSocket } from 'ws';
import { Client, clientIdOf, newClientNumber, TransportKind } from '../client/client';
import type { TransportStats } from '../metrics/node-stats';
import type { Frame } from '../protocol/envelope';
import { FrameProgress } from '../limits/frame-progress';
import { type ByteBudget, spendBytes } from '../limits/byte-budget';

const TEXT = { binary: false };
/** How long a client told to close may take to answer before its socket is cut. */
const CLOSE_GRACE_MS = 1000;
const CLIENT = Symbol('snorky.websocketClient');

/**
 * What every WebSocket client of one gateway shares: one object, and the socket listeners below are
 * shared functions, so an idle connection costs no closure of its own (bench:connections).
 */
export interface WebSocketTransport {
  readonly maxBufferedBytes: number;
  /** Ms a frame or fragmented message may stay unfinished (PROTOCOL §11); 0 = no limit. */
  readonly frameTimeoutMs: number;
  /** The read budget of each connection (limits.maxBytesPerSecond); perSecond 0 = none. */
  readonly byteBudget: ByteBudget;
  /** Frame counters; undefined when metrics are off. */
  readonly counters: TransportStats | undefined;
  received(client: WebSocketClient, data: Buffer, isBinary: boolean): void;
  closed(client: WebSocketClient): void;
  stalled(client: WebSocketClient): void;
  failed(client: WebSocketClient, err: Error): void;
}

type Tagged<T> = T & { [CLIENT]: WebSocketClient };

function onPong(this: Tagged<WebSocket>): void {
  this[CLIENT].alive = true;
}

function onMessage(this: Tagged<WebSocket>, data: Buffer, isBinary: boolean): void {
  const client = this[CLIENT];
  client.transportOf.received(client, data, isBinary);
}

function onClose(this: Tagged<WebSocket>): void {
  const client = this[CLIENT];
  client.closed();
  client.transportOf.closed(client);
}

function onError(this: Tagged<WebSocket>, err: Error): void {
  const client = this[CLIENT];
  client.transportOf.failed(client, err);
}

function onTcpData(this: Tagged<Socket>, chunk: Buffer): void {
  const client = this[CLIENT];
  if (client.transportOf.frameTimeoutMs > 0) client.watchFrames(chunk);
  if (client.transportOf.byteBudget.perSecond > 0) client.spendReadBudget(chunk.length);
}

function resumeReading(client: WebSocketClient): void {
  client.budgetTimer = undefined;
  client.socket.resume();
}

function flush(client: WebSocketClient): void {
  client.flushScheduled = false;
  client.tcp.uncork();
}

/**
 * A frontend client over a plain WebSocket. Buffers go out as text frames, unchanged.
 * Every frame sent to it within one tick leaves in a single write: the TCP socket is corked at the
 * first frame and uncorked when the tick's work is done (process.nextTick), so a burst of publications
 * costs one syscall per recipient instead of one per frame, and a lone frame waits for nothing.
 */
export class WebSocketClient implements Client {
  private readonly number = newClientNumber();
  identity?: unknown;
  alive = true;
  flushScheduled = false;
  /** Only while a frame is unfinished: an idle connection holds no parser state. */
  private progress?: FrameProgress;
  private frameTimer?: NodeJS.Timeout;
  private closeTimer?: NodeJS.Timeout;
  /** Read budget (limits/byte-budget.ts): set at the first read, only when a budget is on. */
  budgetBytes?: number;
  budgetAt?: number;
  budgetTimer?: NodeJS.Timeout;

  constructor(
    readonly socket: WebSocket,
    /** The TCP socket under `socket` (the upgraded request's). */
    readonly tcp: Socket,
    readonly transportOf: WebSocketTransport,
  ) {
    const tagged = socket as Tagged<WebSocket>;
    tagged[CLIENT] = this;
    tagged.on('pong', onPong as (this: WebSocket) => void);
    tagged.on('message', onMessage as (this: WebSocket, data: Buffer, isBinary: boolean) => void);
    tagged.on('close', onClose as (this: WebSocket) => void);
    tagged.on('error', onError as (this: WebSocket, err: Error) => void);
    if (transportOf.frameTimeoutMs > 0 || transportOf.byteBudget.perSecond > 0) {
      (tcp as Tagged<Socket>)[CLIENT] = this;
      tcp.on('data', onTcpData as (this: Socket, chunk: Buffer) => void);
    }
  }

  /** Made when asked (logs): 10 000 idle connections need no 10 000 id strings. */
  get id(): string {
    return clientIdOf('ws', this.number);
  }

  get transport(): TransportKind {
    return 'websocket';
  }

  /** Read when needed (logs): asking at connect time would keep a peer-name object per connection. */
  get remoteAddress(): string | undefined {
    return this.tcp.remoteAddress;
  }

  /**
   * Sends a close frame (after what is queued); a client that has not answered after `graceMs` (it may
   * still be reading its queue) is cut.
   */
  close(code: number, reason: string, graceMs = CLOSE_GRACE_MS): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason);
    this.closeTimer ??= setTimeout(() => this.socket.terminate(), graceMs);
  }

  /** The socket closed: nothing of this client may keep a timer alive. */
  closed(): void {
    clearTimeout(this.frameTimer);
    clearTimeout(this.closeTimer);
    clearTimeout(this.budgetTimer);
  }

  /**
   * Over its read budget, the connection is not read until the budget refills (ws pause/resume, which
   * keep ws's own backpressure): frames wait in the client's socket, in order; nothing is dropped.
   */
  spendReadBudget(bytes: number): void {
    const waitMs = spendBytes(this, this.transportOf.byteBudget, bytes);
    if (waitMs === 0 || this.budgetTimer !== undefined) return;
    this.socket.pause();
    this.budgetTimer = setTimeout(resumeReading, waitMs, this);
  }

  /** One timer at a time, armed while a frame is unfinished; it re-arms for the frame then in progress. */
  watchFrames(chunk: Buffer): void {
    const progress = (this.progress ??= new FrameProgress());
    progress.feed(chunk);
    if (progress.unfinishedSince === undefined) {
      // Between messages with no header begun: nothing to remember until the next bytes.
      this.progress = undefined;
      return;
    }
    if (!this.frameTimer) this.armFrameTimer();
  }

  private armFrameTimer(): void {
    const since = this.progress?.unfinishedSince;
    if (since === undefined) return void (this.frameTimer = undefined);
    // Not read because of its read budget: the wait is ours, not the client's.
    if (this.budgetTimer !== undefined) return void (this.frameTimer = setTimeout(() => this.armFrameTimer(), this.transportOf.frameTimeoutMs));
    const left = since + this.transportOf.frameTimeoutMs - Date.now();
    if (left <= 0) {
      this.frameTimer = undefined;
      return this.close(1008, 'Frame timeout');
    }
    this.frameTimer = setTimeout(() => this.armFrameTimer(), left);
  }

  send(frame: Frame): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.tcp.cork();
      process.nextTick(flush, this);
    }
    this.socket.send(frame, TEXT);
    const shared = this.transportOf;
    if (shared.counters !== undefined) shared.counters.framesSent++;
    // A client that stopped reading would make the server hold everything sent to it.
    if (this.socket.bufferedAmount > shared.maxBufferedBytes) shared.stalled(this);
  }
}
