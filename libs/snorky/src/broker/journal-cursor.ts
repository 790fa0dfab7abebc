import type { Logger } from '@nestjs/common';
import { BrokerUnavailableError } from './broker-unavailable.error';
import { JournalPosition } from './journal';

/** What a cursor needs from the shared engine. */
export interface JournalSource {
  /** The last broadcast made anywhere. */
  head(): Promise<JournalPosition>;
  /** Payloads (JSON) after `from` up to `upto`, or undefined if no longer held. */
  read(from: JournalPosition, upto: JournalPosition): Promise<string[] | undefined>;
}

/** Journal entries read back per Redis command. */
const READ_CHUNK = 100;
/** A catch-up that failed (Redis slow or away) is tried again by itself, backing off to the max. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

type Item = { kind: 'message'; epoch: string; seq: number; json: string } | { kind: 'resync' };

/**
 * This node's place in one journaled broadcast channel. Redis pub/sub delivers at most once and
 * nothing while a connection is down; the cursor turns that into "every broadcast exactly once, in
 * order" (within the journal's retention): a message after a gap, or a resubscription, first reads
 * the missed broadcasts back from the journal. Messages are handled one at a time, in arrival order;
 * the common case (the next sequence number, nothing pending) is handled synchronously.
 */
export class JournalCursor {
  /** Last broadcast delivered to this node's handlers; undefined until the first sync. */
  position: JournalPosition | undefined;
  private readonly queue: Item[] = [];
  private busy = false;
  private waiters: { target: JournalPosition; resolve: () => void }[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = RETRY_MIN_MS;
  private syncWaiters: (() => void)[] = [];
  private resyncsPending = 0;

  constructor(
    readonly channel: string,
    private readonly source: JournalSource,
    private readonly deliver: (payload: unknown, position: JournalPosition) => void,
    private readonly logger: Logger,
    /** Broadcasts were missed for good (the journal started over, or no longer holds them). */
    private readonly onGap: () => void = () => undefined,
  ) {}

  onMessage(epoch: string, seq: number, json: string): void {
    const p = this.position;
    if (!this.busy && this.queue.length === 0 && p && p.epoch === epoch && seq === p.seq + 1) {
      this.emit(epoch, seq, json);
      return;
    }
    this.queue.push({ kind: 'message', epoch, seq, json });
    void this.drain();
  }

  /** The channel was (re)subscribed: catch up with what was broadcast meanwhile. */
  resync(): void {
    this.resyncsPending++;
    this.queue.push({ kind: 'resync' });
    void this.drain();
  }

  /**
   * The position, once the cursor is in sync: undefined until the first sync and while a resync is
   * under way (after a reconnection the old position may be of a journal that is gone; a token
   * authorized at it could not be acquired on a node already in sync).
   */
  get syncedPosition(): JournalPosition | undefined {
    return this.resyncsPending > 0 ? undefined : this.position;
  }

  /** Resolves once the broadcast at `target` (same epoch) has been delivered here. */
  reached(target: JournalPosition, timeoutMs: number): Promise<void> {
    if (this.hasReached(target)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { target, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new BrokerUnavailableError(`this node has not received broadcast ${target.seq} of ${this.channel} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Resolves once the cursor knows its position (first sync done). */
  synced(timeoutMs: number): Promise<void> {
    if (this.position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new BrokerUnavailableError(`${this.channel}: no sync with the journal within ${timeoutMs} ms`)), timeoutMs);
      this.syncWaiters.push(() => (clearTimeout(timer), resolve()));
    });
  }

  private hasReached(target: JournalPosition): boolean {
    const p = this.position;
    return !!p && p.epoch === target.epoch && p.seq >= target.seq;
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        const item = this.queue[0];
        const done = item.kind === 'resync' ? await this.catchUp() : await this.accept(item);
        // Redis failed mid-way: keep the item and try again soon. Waiting for the next message would
        // leave a node silently behind when nothing more is broadcast (seen: a paused node's last
        // publications never delivered after the publishers stopped).
        if (!done) {
          this.retryLater();
          return;
        }
        this.retryDelayMs = RETRY_MIN_MS;
        if (this.queue.shift()!.kind === 'resync') this.resyncsPending--;
      }
    } finally {
      this.busy = false;
    }
  }

  private retryLater(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.drain();
    }, this.retryDelayMs);
    this.retryTimer.unref();
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, RETRY_MAX_MS);
  }

  private async catchUp(): Promise<boolean> {
    let head: JournalPosition;
    try {
      head = await this.source.head();
    } catch {
      return false;
    }
    const p = this.position;
    if (!p) {
      // First sync: what was broadcast before this node subscribed is not its business.
      this.position = head;
      this.wake();
      return true;
    }
    // A head behind this node's position cannot be the history it knew, whatever its epoch says.
    if (p.epoch !== head.epoch || head.seq < p.seq) this.startOver(head.epoch);
    return this.fill(head.seq);
  }

  private async accept(item: Extract<Item, { kind: 'message' }>): Promise<boolean> {
    if (!this.position) {
      this.emit(item.epoch, item.seq, item.json);
      return true;
    }
    if (this.position.epoch !== item.epoch) this.startOver(item.epoch);
    if (item.seq <= this.position.seq) return true; // already read back from the journal
    if (item.seq > this.position.seq + 1 && !(await this.fill(item.seq - 1))) return false;
    this.emit(item.epoch, item.seq, item.json);
    return true;
  }

  private startOver(epoch: string): void {
    this.logger.warn(`journal of ${this.channel} started over (Redis lost its data); broadcasts made before are gone`);
    this.position = { epoch, seq: 0 };
    this.onGap();
  }

  /**
   * Delivers the broadcasts after the position up to `upto` from the journal, in reads of at most
   * READ_CHUNK entries (a node that fell far behind must not ask for megabytes in one command: it
   * would hit the command timeout every time). False on a Redis failure (what was read stays read).
   */
  private async fill(upto: number): Promise<boolean> {
    while (this.position!.seq < upto) {
      const from = this.position!;
      const to = Math.min(upto, from.seq + READ_CHUNK);
      let payloads: string[] | undefined;
      try {
        payloads = await this.source.read(from, { epoch: from.epoch, seq: to });
      } catch {
        return false;
      }
      if (!payloads) {
        this.logger.error(
          `${this.channel}: broadcasts ${from.seq + 1}..${upto} were missed by this node and are no longer in the journal`,
        );
        this.position = { epoch: from.epoch, seq: upto };
        this.onGap();
        this.wake();
        return true;
      }
      payloads.forEach((json, i) => this.emit(from.epoch, from.seq + 1 + i, json));
    }
    return true;
  }

  private emit(epoch: string, seq: number, json: string): void {
    this.position = { epoch, seq };
    let payload: unknown;
    try {
      payload = JSON.parse(json);
    } catch {
      this.logger.error(`${this.channel}: broadcast ${seq} is not JSON; skipped`);
      this.wake();
      return;
    }
    try {
      this.deliver(payload, this.position);
    } catch (err) {
      this.logger.error(`${this.channel}: a handler failed on broadcast ${seq}`, err instanceof Error ? err.stack : String(err));
    }
    this.wake();
  }

  private wake(): void {
    if (this.position && this.syncWaiters.length > 0) this.syncWaiters.splice(0).forEach((resolve) => resolve());
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => this.hasReached(w.target));
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}
