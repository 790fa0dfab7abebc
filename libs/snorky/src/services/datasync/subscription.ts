import type { JournalPosition } from '../../broker/journal';
import type { Frame } from '../../protocol/envelope';
import type { BatchEncoder } from './batch-encoder';
import type { Delta } from './delta';

/** Where a subscription's deltas go once acquired: the core's Client handle satisfies it. */
export interface DeltaSink {
  send(frame: Frame): void;
}

/** Counts deltas sent to clients (the node's DeltaStats satisfies it). */
export interface DeliveryCounter {
  delivered: number;
}

/** One (dealer, query) pair of a subscription; dealers index these. */
export interface SubscriptionItem {
  readonly dealer: string;
  readonly query: unknown;
  readonly subscription: Subscription;
}

/** The deltas of one published batch that concern one subscription, and the batch's journal position. */
export interface KeptBatch {
  deltas: Delta[];
  position: JournalPosition | undefined;
}

/**
 * A subscription authorized by the backend under a secret token. Until a client acquires it, the
 * deltas of matching batches are kept in order; acquiring sends them first, then live ones.
 *
 * Acquired by an original client, it gets one `delta` frame per delta; acquired with `resume`
 * (docs/protocol-notes.md, "Resume"), one `deltas` frame per batch, with the batch's position, so the
 * client can apply a transaction at once and resume after a reconnect.
 */
export class Subscription {
  readonly items: readonly SubscriptionItem[];
  private sink: DeltaSink | null = null;
  private kept: KeptBatch[] | null = [];
  private keptDeltas = 0;
  /** Set when cancelled, so a late delivery (e.g. a batch being routed) is a no-op. */
  cancelled = false;
  /** Set when more deltas piled up unacquired than allowed; the subscription is then cancelled. */
  overflowed = false;
  expiry?: ReturnType<typeof setTimeout>;
  /** Start of its `deltas` frames (with its token) once resumable; undefined for original clients. */
  batchPrefix: Buffer | undefined;
  /** Claim key of its resume record (set once the record is stored). */
  resumeKey: string | undefined;

  constructor(
    readonly token: string,
    items: readonly { dealer: string; query: unknown }[],
    private readonly maxBuffered = Infinity,
    private readonly onOverflow?: (subscription: Subscription) => void,
    private readonly deliveries?: DeliveryCounter,
  ) {
    this.items = items.map((i) => ({ dealer: i.dealer, query: i.query, subscription: this }));
  }

  get client(): DeltaSink | null {
    return this.sink;
  }

  get acquired(): boolean {
    return this.sink !== null;
  }

  /** True when a delta can go out at once as its own frame (acquired by an original client). */
  get takesDeltaFrames(): boolean {
    return this.sink !== null && this.batchPrefix === undefined;
  }

  /** Sends one already-encoded `delta` frame (acquired by an original client). */
  deliver(frame: Frame): void {
    if (this.cancelled || !this.sink) return;
    this.sink.send(frame);
    if (this.deliveries !== undefined) this.deliveries.delivered++;
  }

  /** Sends (or, before acquisition, keeps) the deltas of one batch that concern this subscription. */
  deliverBatch(deltas: Delta[], position: JournalPosition | undefined, encoder: BatchEncoder): void {
    if (this.cancelled) return;
    if (this.sink) return this.send(deltas, position, encoder);
    if (!this.kept) return;
    if (this.keptDeltas + deltas.length > this.maxBuffered) {
      // Dropping deltas silently would leave the client's data wrong forever; refusing
      // the acquisition instead makes it fetch fresh data and a new token.
      this.overflowed = true;
      this.kept = null;
      this.onOverflow?.(this);
      return;
    }
    this.kept.push({ deltas, position });
    this.keptDeltas += deltas.length;
  }

  /** Makes it resumable: from now on it gets `deltas` frames starting with `prefix` (see BatchEncoder). */
  makeResumable(prefix: string): void {
    // As bytes: each batch frame is this plus the batch's shared tail, copied, never re-encoded.
    this.batchPrefix = Buffer.from(prefix);
  }

  /** Links the client and flushes the kept deltas to it, in order. */
  attach(sink: DeltaSink, encoder: BatchEncoder): void {
    if (this.sink) throw new Error('subscription already acquired');
    this.sink = sink;
    const kept = this.kept ?? [];
    this.kept = null;
    this.keptDeltas = 0;
    for (const batch of kept) this.send(batch.deltas, batch.position, encoder);
  }

  /** Takes the kept batches out (to put older ones before them; see ClusterSubscriptionHandoff). */
  drainKept(): KeptBatch[] {
    const kept = this.kept ?? [];
    if (this.kept) this.kept = [];
    this.keptDeltas = 0;
    return kept;
  }

  /** Puts batches taken out by drainKept back, after what was kept since. */
  appendKept(batches: KeptBatch[]): void {
    for (const batch of batches) {
      if (!this.kept) return;
      this.kept.push(batch);
      this.keptDeltas += batch.deltas.length;
    }
  }

  /** Number of deltas kept for acquisition (tests, metrics). */
  get bufferedCount(): number {
    return this.keptDeltas;
  }

  detach(): void {
    this.sink = null;
    this.kept = null;
  }

  private send(deltas: Delta[], position: JournalPosition | undefined, encoder: BatchEncoder): void {
    const sink = this.sink!;
    if (this.batchPrefix !== undefined && position !== undefined) {
      const tail = encoder.batchTail(deltas, position);
      sink.send(Buffer.concat([this.batchPrefix, tail], this.batchPrefix.length + tail.length));
    } else {
      for (const delta of deltas) sink.send(encoder.deltaFrame(delta));
    }
    if (this.deliveries !== undefined) this.deliveries.delivered += deltas.length;
  }
}
