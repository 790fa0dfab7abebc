import type { Socket } from 'net';
import type { WebSocket } from 'ws';
import { Client, clientIdOf, newClientNumber, TransportKind } from '../client/client';
import type { TransportStats } from '../metrics/node-stats';
import type { Frame } from '../protocol/envelope';

const TEXT = { binary: false };
const CLIENT = Symbol('snorky.websocketClient');

/**
 * What every WebSocket client of one gateway shares: one object, and the socket listeners below are
 * shared functions, so an idle connection costs no closure of its own (bench:connections).
 */
export interface WebSocketTransport {
  readonly maxBufferedBytes: number;
  /** Frame counters; undefined when metrics are off. */
  readonly counters: TransportStats | undefined;
  received(client: WebSocketClient, data: Buffer, isBinary: boolean): void;
  closed(client: WebSocketClient): void;
  stalled(client: WebSocketClient): void;
  failed(client: WebSocketClient, err: Error): void;
}

type Tagged = WebSocket & { [CLIENT]: WebSocketClient };

function onPong(this: Tagged): void {
  this[CLIENT].alive = true;
}

function onMessage(this: Tagged, data: Buffer, isBinary: boolean): void {
  const client = this[CLIENT];
  client.transportOf.received(client, data, isBinary);
}

function onClose(this: Tagged): void {
  const client = this[CLIENT];
  client.transportOf.closed(client);
}

function onError(this: Tagged, err: Error): void {
  const client = this[CLIENT];
  client.transportOf.failed(client, err);
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

  constructor(
    readonly socket: WebSocket,
    /** The TCP socket under `socket` (the upgraded request's). */
    readonly tcp: Socket,
    readonly transportOf: WebSocketTransport,
  ) {
    const tagged = socket as Tagged;
    tagged[CLIENT] = this;
    tagged.on('pong', onPong as (this: WebSocket) => void);
    tagged.on('message', onMessage as (this: WebSocket, data: Buffer, isBinary: boolean) => void);
    tagged.on('close', onClose as (this: WebSocket) => void);
    tagged.on('error', onError as (this: WebSocket, err: Error) => void);
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
