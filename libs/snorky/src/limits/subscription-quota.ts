import { ErrorText } from '../protocol/error-text';
import { RpcError } from '../rpc/rpc-error';

/**
 * How many subscriptions each connection holds in one service, and the most it may hold
 * (PROTOCOL §11: `Too many subscriptions`). One instance per service: PubSub channels, DataSync
 * subscriptions, Chat channels and Cursors documents each count on their own.
 *
 *   quota.take(client)      before subscribing: throws RpcError('Too many subscriptions') when full
 *   quota.release(client)   after unsubscribing (or when a subscription could not be completed)
 *   quota.forget(client)    when the connection is gone
 *
 * Counts are kept in a WeakMap, so a connection the service forgot to `forget` cannot leak here. A
 * service that already counts each connection's subscriptions passes `counted` instead: then the quota
 * reads that count and keeps nothing per connection (an idle subscriber costs no entry here;
 * bench:connections), and `release`/`forget` have nothing to do.
 */
export class SubscriptionQuota {
  private readonly counts = new WeakMap<object, number>();

  /** `max` 0 = no limit. */
  constructor(
    readonly max: number,
    /** The service's own count of `client`'s subscriptions; the caller subscribes right after `take`. */
    private readonly counted?: (client: object) => number,
  ) {}

  /** Takes one slot for `client`, or throws `Too many subscriptions` (nothing taken). */
  take(client: object): void {
    const count = this.held(client);
    if (this.max > 0 && count >= this.max) throw new RpcError(ErrorText.TooManySubscriptions);
    if (!this.counted) this.counts.set(client, count + 1);
  }

  release(client: object, slots = 1): void {
    if (this.counted) return;
    const left = (this.counts.get(client) ?? 0) - slots;
    if (left > 0) this.counts.set(client, left);
    else this.counts.delete(client);
  }

  forget(client: object): void {
    if (!this.counted) this.counts.delete(client);
  }

  held(client: object): number {
    return this.counted ? this.counted(client) : (this.counts.get(client) ?? 0);
  }
}
