import type { WebSocket } from 'ws';
import { Client, newClientId, TransportKind } from '../client/client';
import type { Frame } from '../protocol/envelope';

const TEXT = { binary: false };

/** A frontend client over a plain WebSocket. Buffers go out as text frames, unchanged. */
export class WebSocketClient implements Client {
  readonly id = newClientId('ws');
  readonly transport: TransportKind = 'websocket';
  identity?: unknown;
  alive = true;

  constructor(
    readonly socket: WebSocket,
    readonly remoteAddress: string | undefined,
    private readonly maxBufferedBytes: number,
    private readonly onStalled: (client: WebSocketClient) => void,
  ) {}

  send(frame: Frame): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(frame, TEXT);
    // A client that stopped reading would make the server hold everything sent to it.
    if (this.socket.bufferedAmount > this.maxBufferedBytes) this.onStalled(this);
  }
}
