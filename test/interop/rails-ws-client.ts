/**
 * A bare protocol-speaking WebSocket client for the Rails interop test:
 * RPC calls with callIds, and every notification kept in arrival order.
 * Deliberately not our client SDK, so the test checks the wire itself.
 */
import WebSocket from 'ws';

export interface Notification {
  service: string;
  message: { type: string; [key: string]: unknown };
}

export class ProtocolClient {
  readonly notifications: Notification[] = [];
  private nextCallId = 0;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (raw) => this.receive(raw.toString()));
  }

  static connect(url: string): Promise<ProtocolClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new ProtocolClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Resolves with `data`, rejects with Error(<protocol error text>). */
  call(service: string, command: string, params: Record<string, unknown>): Promise<unknown> {
    const callId = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.pending.set(callId, { resolve, reject });
      this.socket.send(JSON.stringify({ service, message: { command, params, callId } }));
    });
  }

  /** The `delta` of every delta notification received so far. */
  deltas(): Array<Record<string, unknown>> {
    return this.notifications
      .filter((n) => n.message.type === 'delta')
      .map((n) => n.message.delta as Record<string, unknown>);
  }

  /** Waits until at least `count` deltas arrived (or fails with what did). */
  async waitForDeltas(count: number, timeoutMs = 5_000): Promise<Array<Record<string, unknown>>> {
    const deadline = Date.now() + timeoutMs;
    while (this.deltas().length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`expected ${count} deltas, got ${JSON.stringify(this.deltas())}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.deltas();
  }

  close(): void {
    this.socket.close();
  }

  private receive(text: string): void {
    const envelope = JSON.parse(text) as Notification;
    const message = envelope.message as { type: string; callId?: number; data?: unknown; message?: string };
    if ((message.type === 'response' || message.type === 'error') && typeof message.callId === 'number') {
      const call = this.pending.get(message.callId);
      this.pending.delete(message.callId);
      if (message.type === 'response') call?.resolve(message.data ?? null);
      else call?.reject(new Error(message.message));
      return;
    }
    this.notifications.push(envelope);
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }
}
