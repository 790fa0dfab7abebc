import type { Socket } from 'net';
import type { WebSocket } from 'ws';
import { Client, newClientId, TransportKind } from '../client/client';
import type { Frame } from '../protocol/envelope';
import { FrameProgress } from '../limits/frame-progress';

const TEXT = { binary: false };
/** How long a client told to close may take to answer before its socket is cut. */
const CLOSE_GRACE_MS = 1000;

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
  readonly id = newClientId('ws');
  readonly transport: TransportKind = 'websocket';
  identity?: unknown;
  alive = true;
  flushScheduled = false;
  private readonly progress = new FrameProgress();
  private frameTimer?: NodeJS.Timeout;
  private closeTimer?: NodeJS.Timeout;

  constructor(
    readonly socket: WebSocket,
    /** The TCP socket under `socket` (the upgraded request's). */
    readonly tcp: Socket,
    readonly remoteAddress: string | undefined,
    private readonly maxBufferedBytes: number,
    private readonly onStalled: (client: WebSocketClient) => void,
    /** Ms a frame or fragmented message may stay unfinished (PROTOCOL §11); 0 = no limit. */
    private readonly frameTimeoutMs = 0,
  ) {
    if (frameTimeoutMs > 0) tcp.on('data', (chunk: Buffer) => this.watchFrames(chunk));
  }

  /** Sends a close frame (after what is queued); a client that does not answer in a second is cut. */
  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason);
    this.closeTimer ??= setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
  }

  /** The socket closed: nothing of this client may keep a timer alive. */
  closed(): void {
    clearTimeout(this.frameTimer);
    clearTimeout(this.closeTimer);
  }

  /** One timer at a time, armed while a frame is unfinished; it re-arms for the frame then in progress. */
  private watchFrames(chunk: Buffer): void {
    this.progress.feed(chunk);
    if (this.progress.unfinishedSince !== undefined && !this.frameTimer) this.armFrameTimer();
  }

  private armFrameTimer(): void {
    const since = this.progress.unfinishedSince;
    if (since === undefined) return void (this.frameTimer = undefined);
    const left = since + this.frameTimeoutMs - Date.now();
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
    // A client that stopped reading would make the server hold everything sent to it.
    if (this.socket.bufferedAmount > this.maxBufferedBytes) this.onStalled(this);
  }
}
