/**
 * Follows the frame boundaries of the bytes a WebSocket client sends (RFC 6455 §5.2 headers only;
 * payloads are skipped, never copied) to tell whether a frame or a fragmented message is unfinished,
 * and since when. `ws` has no timeout for that: without one, a client that starts a frame (or a
 * fragmented message) and never ends it holds what `ws` buffered for it for as long as it answers pings.
 */
export class FrameProgress {
  /** When the unfinished frame or message began (ms since epoch); undefined between messages. */
  unfinishedSince: number | undefined;
  private readonly header = Buffer.alloc(14);
  private headerLength = 0;
  private payloadLeft = 0;
  private fragmented = false;

  /** Feeds the bytes just read from the client, in order. */
  feed(chunk: Buffer, now = Date.now()): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, chunk.length - i);
        this.payloadLeft -= n;
        i += n;
        if (this.payloadLeft === 0 && !this.fragmented) this.unfinishedSince = undefined;
        continue;
      }
      if (this.headerLength === 0 && this.unfinishedSince === undefined) this.unfinishedSince = now;
      this.header[this.headerLength++] = chunk[i++];
      const size = headerSize(this.header, this.headerLength);
      if (size === undefined || this.headerLength < size) continue;
      this.endOfHeader();
    }
  }

  private endOfHeader(): void {
    const h = this.header;
    const opcode = h[0] & 0x0f;
    const fin = (h[0] & 0x80) !== 0;
    const len7 = h[1] & 0x7f;
    let length = len7;
    if (len7 === 126) length = h.readUInt16BE(2);
    else if (len7 === 127) length = h.readUInt32BE(2) * 2 ** 32 + h.readUInt32BE(6);
    // Control frames (opcode >= 8) may come between the fragments of a message and never end one.
    if (opcode < 8) this.fragmented = !fin;
    this.headerLength = 0;
    this.payloadLeft = length;
    if (length === 0 && !this.fragmented) this.unfinishedSince = undefined;
  }
}

/** Size of the header that starts with `length` bytes of `h`, once knowable (2 bytes in). */
function headerSize(h: Buffer, length: number): number | undefined {
  if (length < 2) return undefined;
  const len7 = h[1] & 0x7f;
  const extended = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  const mask = h[1] & 0x80 ? 4 : 0;
  return 2 + extended + mask;
}
