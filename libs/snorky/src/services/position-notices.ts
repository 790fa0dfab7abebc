import type { JournalPosition } from '../broker/journal';
import type { Client } from '../client/client';
import { encodeEnvelope } from '../protocol/envelope';

/**
 * `{"type": "position", "position": P}` notifications of a journaled service (DataSync, journaled
 * PubSub; docs/protocol-notes.md): every `intervalMs`, each connection that subscribed to resume and
 * still holds a subscription is told this node's journal position, when it moved since it was last
 * told. Routing is synchronous up to that position, so one frame, built once, is true for all of them:
 * a quiet subscription can then resume from a recent position after many batches that did not concern it.
 */
export class PositionNotices {
  /** Connections that subscribed to resume → the position last sent to them (`epoch:seq`). */
  private readonly told = new Map<Client, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly service: string,
    private readonly intervalMs: number,
    /** This node's position in the service's journal (undefined while not in sync). */
    private readonly position: () => JournalPosition | undefined,
    /** Whether `client` still holds a subscription of the service. */
    private readonly holds: (client: Client) => boolean,
  ) {}

  /** `client` subscribed to resume: it is told the position from now on (timer started on first use; 0 = never). */
  add(client: Client): void {
    if (!this.told.has(client)) this.told.set(client, '');
    if (this.intervalMs > 0) this.timer ??= setInterval(() => this.send(), this.intervalMs).unref();
  }

  forget(client: Client): void {
    this.told.delete(client);
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private send(): void {
    const here = this.position();
    if (!here || this.told.size === 0) return;
    const key = `${here.epoch}:${here.seq}`;
    let frame: Buffer | undefined;
    for (const [client, told] of this.told) {
      if (told === key || !this.holds(client)) continue;
      client.send((frame ??= Buffer.from(encodeEnvelope(this.service, { type: 'position', position: { epoch: here.epoch, seq: here.seq } }))));
      this.told.set(client, key);
    }
  }
}
