import type { BatchEncoder } from './batch-encoder';
import { DeltaSink, Subscription } from './subscription';

/**
 * The subscriptions of one DataSync service on this node: by token (acquire, cancel) and by
 * client (disconnect cleanup). Kept behind this class so that the state can later be shared
 * or partitioned for a cluster without touching the services.
 */
export class SubscriptionStore {
  private readonly byToken = new Map<string, Subscription>();
  private readonly byClient = new Map<DeltaSink, Set<Subscription>>();

  /** Subscriptions linked to a client now (the `snorky_subscriptions` gauge). */
  acquiredCount = 0;

  get size(): number {
    return this.byToken.size;
  }

  add(subscription: Subscription): void {
    this.byToken.set(subscription.token, subscription);
  }

  get(token: string): Subscription | undefined {
    return this.byToken.get(token);
  }

  /** Links the subscription to its client (which flushes the kept deltas). */
  attach(subscription: Subscription, client: DeltaSink, encoder: BatchEncoder): void {
    let set = this.byClient.get(client);
    if (!set) this.byClient.set(client, (set = new Set()));
    set.add(subscription);
    subscription.attach(client, encoder);
    this.acquiredCount++;
  }

  remove(subscription: Subscription): void {
    this.byToken.delete(subscription.token);
    const client = subscription.client;
    if (!client) return;
    const set = this.byClient.get(client);
    if (!set) return;
    if (set.delete(subscription)) this.acquiredCount--;
    if (set.size === 0) this.byClient.delete(client);
  }

  /** How many subscriptions `client` holds now (the per-connection limit). */
  countOf(client: DeltaSink): number {
    return this.byClient.get(client)?.size ?? 0;
  }

  ofClient(client: DeltaSink): Subscription[] {
    return [...(this.byClient.get(client) ?? [])];
  }

  all(): IterableIterator<Subscription> {
    return this.byToken.values();
  }
}
