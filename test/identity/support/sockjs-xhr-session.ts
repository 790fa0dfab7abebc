import { randomBytes } from 'crypto';

/**
 * A SockJS session spoken by hand over the xhr-polling transport (POST .../xhr, .../xhr_send), so a
 * test chooses the exact headers, cookies and query of the request that opens the session.
 */
export class SockJsXhrSession {
  private readonly received: unknown[] = [];
  closed?: { code: number; reason: string };

  private constructor(
    private readonly base: string,
    private readonly query: string,
    private readonly headers: Record<string, string>,
  ) {}

  /** Opens a session (the server answers `o`); `query` is appended to every request, as sockjs-client does. */
  static async open(prefixUrl: string, options: { headers?: Record<string, string>; query?: string } = {}): Promise<SockJsXhrSession> {
    const base = `${prefixUrl}/000/${randomBytes(8).toString('hex')}`;
    const session = new SockJsXhrSession(base, options.query ? `?${options.query}` : '', options.headers ?? {});
    const opening = await session.post('xhr');
    if (opening.trim() !== 'o') throw new Error(`SockJS session did not open: ${JSON.stringify(opening)}`);
    return session;
  }

  /** Sends frames in one xhr_send request (they arrive in this order). */
  async send(...frames: unknown[]): Promise<void> {
    await this.post('xhr_send', JSON.stringify(frames.map((frame) => (typeof frame === 'string' ? frame : JSON.stringify(frame)))));
  }

  /** The next frame the server sent (parsed JSON), polling as needed; throws if the session closed. */
  async next(timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      if (this.closed) throw new Error(`SockJS session closed: ${this.closed.code} ${this.closed.reason}`);
      if (Date.now() > deadline) throw new Error(`no SockJS frame within ${timeoutMs} ms`);
      await this.poll();
    }
    return this.received.shift();
  }

  /** Frames received and not yet read by `next()`. */
  get unread(): number {
    return this.received.length;
  }

  /** Polls until the server closes the session; resolves with its close code and reason. */
  async closeFrame(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`SockJS session not closed within ${timeoutMs} ms`);
      await this.poll();
    }
    return this.closed;
  }

  private async poll(): Promise<void> {
    const body = await this.post('xhr');
    for (const line of body.split('\n')) {
      if (line.startsWith('a')) for (const text of JSON.parse(line.slice(1)) as string[]) this.received.push(JSON.parse(text));
      else if (line.startsWith('c')) {
        const [code, reason] = JSON.parse(line.slice(1)) as [number, string];
        this.closed = { code, reason };
      }
    }
  }

  private async post(transport: string, body?: string): Promise<string> {
    const res = await fetch(`${this.base}/${transport}${this.query}`, {
      method: 'POST',
      headers: { ...this.headers, ...(body ? { 'Content-Type': 'text/plain' } : {}) },
      body,
    });
    if (res.status >= 300) throw new Error(`SockJS ${transport} answered ${res.status}: ${await res.text()}`);
    return res.text();
  }
}
