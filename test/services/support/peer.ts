import WebSocket from 'ws';

type Pending = { resolve(data: unknown): void; reject(error: Error): void };

/**
 * A raw protocol peer for the services suites: RPC calls matched by callId (so notifications may
 * arrive in between), notifications read in order per service, with timeouts so a missing one fails.
 */
export class Peer {
  /** Every notification (envelope) received, in order. */
  readonly received: Array<{ service: string; message: any }> = [];
  /** Every frame, replies included, in order (to check what came before a reply). */
  readonly frames: Array<{ service: string; message: any }> = [];
  private readonly read = new Map<string, number>();
  private nextCallId = 0;
  private readonly pending = new Map<number, Pending>();
  private wake: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => this.receive(JSON.parse(raw.toString())));
  }

  static open(url: string): Promise<Peer> {
    return new Promise((ready, fail) => {
      const ws = new WebSocket(url);
      ws.once('open', () => ready(new Peer(ws)));
      ws.once('error', fail);
    });
  }

  /** Resolves with the reply's data; rejects with Error(<protocol error text>). */
  call(service: string, command: string, params: Record<string, unknown> = {}): Promise<any> {
    const callId = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.pending.set(callId, { resolve, reject });
      this.ws.send(JSON.stringify({ service, message: { command, params, callId } }));
    });
  }

  /** The error text a call answers; fails when it succeeds. */
  async error(service: string, command: string, params: Record<string, unknown> = {}): Promise<string> {
    try {
      const data = await this.call(service, command, params);
      throw new Error(`${service}.${command} succeeded with ${JSON.stringify(data)}; an error was expected`);
    } catch (err) {
      if ((err as Error).message.includes('an error was expected')) throw err;
      return (err as Error).message;
    }
  }

  /** The next unread notification of `service`. */
  async next(service: string, timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const from = this.read.get(service) ?? 0;
      const index = this.received.findIndex((n, i) => i >= from && n.service === service);
      if (index >= 0) {
        this.read.set(service, index + 1);
        return this.received[index].message;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${service} notification within ${timeoutMs} ms`);
      await new Promise<void>((resume) => {
        const timer = setTimeout(resume, left);
        this.wake.push(() => {
          clearTimeout(timer);
          resume();
        });
      });
    }
  }

  /** Fails if an unread notification of `service` arrives within `ms`. */
  async quiet(service: string, ms = 300): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const from = this.read.get(service) ?? 0;
    const unread = this.received.filter((n, i) => i >= from && n.service === service);
    if (unread.length > 0) throw new Error(`expected no ${service} notification, got ${JSON.stringify(unread)}`);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }

  private receive(frame: { service: string; message: any }): void {
    this.frames.push(frame);
    const message = frame.message;
    if (message && (message.type === 'response' || message.type === 'error') && this.pending.has(message.callId)) {
      const call = this.pending.get(message.callId)!;
      this.pending.delete(message.callId);
      if (message.type === 'response') call.resolve(message.data);
      else call.reject(new Error(message.message));
      return;
    }
    this.received.push(frame);
    this.wake.splice(0).forEach((resume) => resume());
  }
}
