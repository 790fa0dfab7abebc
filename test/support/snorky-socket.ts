/**
 * A bare protocol-speaking WebSocket client for the interop tests (Django, Rails, Nest):
 * RPC calls matched by callId, and every delta notification kept in arrival
 * order. Deliberately not our client SDK, so the test checks the wire itself.
 */
import WebSocket from 'ws';

type Pending = { resolve(data: unknown): void; reject(error: Error): void };

export class SnorkySocket {
  /** Raw notification envelopes, in arrival order. */
  readonly notifications: Array<{ service: string; message: any }> = [];
  private nextCallId = 0;
  private readonly pending = new Map<number, Pending>();
  private wake: Array<() => void> = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw) => this.receive(JSON.parse(raw.toString())));
  }

  static open(url: string): Promise<SnorkySocket> {
    return new Promise((ready, fail) => {
      const ws = new WebSocket(url);
      ws.once('open', () => ready(new SnorkySocket(ws)));
      ws.once('error', fail);
    });
  }

  /** Resolves with the reply's data; rejects with Error(<protocol error text>). */
  call(service: string, command: string, params: Record<string, unknown>): Promise<unknown> {
    const callId = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.pending.set(callId, { resolve, reject });
      this.ws.send(JSON.stringify({ service, message: { command, params, callId } }));
    });
  }

  acquire(token: string): Promise<unknown> {
    return this.call('datasync', 'acquireSubscription', { token });
  }

  get deltas(): any[] {
    return this.notifications.filter((n) => n.message.type === 'delta').map((n) => n.message.delta);
  }

  /** Waits until at least `count` deltas arrived; fails listing what came when they don't. */
  async waitForDeltas(count: number, timeoutMs = 5000): Promise<any[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.deltas.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`expected ${count} deltas within ${timeoutMs} ms, got ${JSON.stringify(this.deltas)}`);
      }
      await new Promise<void>((resume) => {
        const timer = setTimeout(resume, left);
        this.wake.push(() => {
          clearTimeout(timer);
          resume();
        });
      });
    }
    return this.deltas;
  }

  close(): void {
    this.ws.close();
  }

  private receive(frame: { service: string; message: any }): void {
    const message = frame.message;
    if (message && (message.type === 'response' || message.type === 'error') && this.pending.has(message.callId)) {
      const call = this.pending.get(message.callId)!;
      this.pending.delete(message.callId);
      if (message.type === 'response') call.resolve(message.data);
      else call.reject(new Error(message.message));
      return;
    }
    this.notifications.push(frame);
    this.wake.splice(0).forEach((resume) => resume());
  }
}
