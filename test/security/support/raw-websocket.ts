import { randomBytes } from 'crypto';
import { connect, Socket } from 'net';

/**
 * A WebSocket peer at the byte level, for what the `ws` client will not send: frames announced
 * and never finished, fragmented messages without end. Reads the server's close frame (code).
 */
export class RawWebSocket {
  private received = Buffer.alloc(0);
  readonly ended: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => (this.received = Buffer.concat([this.received, chunk])));
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async open(url: string): Promise<RawWebSocket> {
    const { hostname, port, pathname } = new URL(url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    socket.write(
      `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const head = await new Promise<string>((resolve, reject) => {
      let text = '';
      const onData = (chunk: Buffer) => {
        text += chunk.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const rest = Buffer.from(text.slice(end + 4), 'latin1');
        if (rest.length > 0) socket.unshift(rest);
        resolve(text.slice(0, end));
      };
      socket.on('data', onData);
      socket.once('error', reject);
    });
    if (!head.startsWith('HTTP/1.1 101')) throw new Error(`no upgrade: ${head.split('\r\n')[0]}`);
    return new RawWebSocket(socket);
  }

  /** Writes a frame header announcing `length` payload bytes (masked, as a client must). */
  header(length: number, { fin = true, opcode = 1 }: { fin?: boolean; opcode?: number } = {}): void {
    const first = (fin ? 0x80 : 0) | opcode;
    let head: Buffer;
    if (length < 126) head = Buffer.from([first, 0x80 | length]);
    else if (length < 65536) {
      head = Buffer.alloc(4);
      head[0] = first;
      head[1] = 0x80 | 126;
      head.writeUInt16BE(length, 2);
    } else {
      head = Buffer.alloc(10);
      head[0] = first;
      head[1] = 0x80 | 127;
      head.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
      head.writeUInt32BE(length % 2 ** 32, 6);
    }
    this.socket.write(Buffer.concat([head, Buffer.alloc(4)])); // mask key 0: payload bytes go as they are
  }

  /** Payload bytes of the frame in progress. */
  payload(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** A whole text frame. */
  frame(text: string, options: { fin?: boolean; opcode?: number } = {}): void {
    const bytes = Buffer.from(text);
    this.header(bytes.length, options);
    this.payload(bytes);
  }

  /** Code of the close frame the server sent, once it arrives (undefined if the socket ended without one). */
  async closeCode(timeoutMs: number): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.findCloseFrame();
      if (at !== undefined) return at;
      if (this.socket.destroyed || Date.now() > deadline) return this.findCloseFrame();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Close frame's code among the server's frames (unmasked, so the layout is simple). */
  private findCloseFrame(): number | undefined {
    let i = 0;
    const b = this.received;
    while (i + 2 <= b.length) {
      const opcode = b[i] & 0x0f;
      let length = b[i + 1] & 0x7f;
      let start = i + 2;
      if (length === 126) {
        length = b.readUInt16BE(i + 2);
        start += 2;
      } else if (length === 127) {
        length = Number(b.readBigUInt64BE(i + 2));
        start += 8;
      }
      if (opcode === 8) return length >= 2 && start + 2 <= b.length ? b.readUInt16BE(start) : 1005;
      i = start + length;
    }
    return undefined;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
