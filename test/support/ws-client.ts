import WebSocket from 'ws';

/**
 * A raw WebSocket peer for protocol tests: sends exact frames, and reads every frame the server sends
 * in order, with a timeout so a missing frame fails the test instead of hanging it.
 */
export class TestSocket {
  readonly frames: any[] = [];
  private waiters: Array<() => void> = [];
  private cursor = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) throw new Error('server sent a binary frame; Snorky frames are text');
      this.frames.push(JSON.parse(data.toString('utf8')));
      this.waiters.splice(0).forEach((wake) => wake());
    });
  }

  static async open(url: string, options?: WebSocket.ClientOptions): Promise<TestSocket> {
    const ws = new WebSocket(url, options);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return new TestSocket(ws);
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** Next frame not yet read. */
  async next(timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (this.cursor >= this.frames.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms (read ${this.cursor} so far)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames[this.cursor++];
  }

  /** Sends an RPC request and returns the next frame (its reply, when nothing else is in flight). */
  async call(service: string, command: string, params: object, callId?: unknown): Promise<any> {
    this.send({ service, message: callId === undefined ? { command, params } : { command, params, callId } });
    return this.next();
  }

  /** Asserts that no unread frame arrives within `ms`. */
  async expectSilence(ms = 200): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    if (this.frames.length > this.cursor) {
      throw new Error(`expected no frame, got ${JSON.stringify(this.frames.slice(this.cursor))}`);
    }
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
