import type { Frame } from '../../protocol/envelope';

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

/**
 * A subscription authorized by the backend under a secret token. Until a client acquires it,
 * the frames of matching deltas are kept in order; acquiring sends them first, then live ones.
 */
export class Subscription {
  readonly items: readonly SubscriptionItem[];
  private sink: DeltaSink | null = null;
  private buffer: Frame[] | null = [];
  /** Set when cancelled, so a late delivery (e.g. a batch being routed) is a no-op. */
  cancelled = false;
  /** Set when more deltas piled up unacquired than allowed; the subscription is then cancelled. */
  overflowed = false;
  expiry?: ReturnType<typeof setTimeout>;

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

  /** Sends (or, before acquisition, keeps) one already-encoded delta frame. */
  deliver(frame: Frame): void {
    if (this.cancelled) return;
    if (this.sink) {
      this.sink.send(frame);
      if (this.deliveries !== undefined) this.deliveries.delivered++;
      return;
    }
    if (!this.buffer) return;
    if (this.buffer.length >= this.maxBuffered) {
      // Dropping one delta silently would leave the client's data wrong forever; refusing
      // the acquisition instead makes it fetch fresh data and a new token.
      this.overflowed = true;
      this.buffer = null;
      this.onOverflow?.(this);
      return;
    }
    this.buffer.push(frame);
  }

  /** Links the client and flushes the kept deltas to it, in order. */
  attach(sink: DeltaSink): void {
    if (this.sink) throw new Error('subscription already acquired');
    this.sink = sink;
    const kept = this.buffer ?? [];
    this.buffer = null;
    for (const frame of kept) sink.send(frame);
    if (this.deliveries !== undefined) this.deliveries.delivered += kept.length;
  }

  /** Takes the kept frames out (to put older ones before them; see ClusterSubscriptionHandoff). */
  drainKept(): Frame[] {
    const kept = this.buffer ?? [];
    if (this.buffer) this.buffer = [];
    return kept;
  }

  /** Number of deltas kept for acquisition (tests, metrics). */
  get bufferedCount(): number {
    return this.buffer?.length ?? 0;
  }

  detach(): void {
    this.sink = null;
    this.buffer = null;
  }
}
