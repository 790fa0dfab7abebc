import type { Socket } from 'net';
import type { WebSocket } from 'ws';
import { Client, newClientId, TransportKind } from '../client/client';
import type { TransportStats } from '../metrics/node-stats';
import type { Frame } from '../protocol/envelope';

const TEXT = { binary: false };

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

  constructor(
    readonly socket: WebSocket,
    /** The TCP socket under `socket` (the upgraded request's). */
    readonly tcp: Socket,
    readonly remoteAddress: string | undefined,
    private readonly maxBufferedBytes: number,
    private readonly onStalled: (client: WebSocketClient) => void,
    /** Frame counters; undefined when metrics are off. */
    private readonly counters: TransportStats | undefined,
  ) {}

  send(frame: Frame): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.tcp.cork();
      process.nextTick(flush, this);
    }
    this.socket.send(frame, TEXT);
    if (this.counters !== undefined) this.counters.framesSent++;
    // A client that stopped reading would make the server hold everything sent to it.
    if (this.socket.bufferedAmount > this.maxBufferedBytes) this.onStalled(this);
  }
}
