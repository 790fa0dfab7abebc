import { randomBytes } from 'crypto';
import { DataSyncError, DataSyncErrorText } from './datasync-error';
import { DealerRegistry } from './dealer-registry';
import { BaseDealer, InvalidQueryError, dealerName } from './dealers/base.dealer';
import { Delta, parseDeltas } from './delta';
import type { JournalPosition } from '../../broker/journal';
import { BatchEncoder } from './batch-encoder';
import { DealerErrorHandler, DeltaEncoder, routeBatch, SubscriptionFilter } from './delta-router';
import { DeliveryCounter, DeltaSink, Subscription } from './subscription';
import { SubscriptionStore } from './subscription-store';

export interface DataSyncEngineOptions {
  /** Builds the frame for a delta (the envelope of the frontend service). */
  encode: DeltaEncoder;
  /** Seconds an authorized subscription waits to be acquired (default 120). */
  unacquiredTimeout?: number;
  /** Deltas kept per unacquired subscription before it is given up (default 10 000). */
  maxBufferedDeltas?: number;
  /** Called when a custom dealer throws while routing (the delta still reaches the others). */
  onDealerError?: DealerErrorHandler;
}

export const DEFAULT_UNACQUIRED_TIMEOUT = 120;
export const DEFAULT_MAX_BUFFERED_DELTAS = 10_000;

const TOKEN_BYTES = 24;
const POOL_TOKENS = 256;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/**
 * 192 bits from the CSPRNG, 32 URL-safe characters (the original's tokens were 32 chars too).
 * Random bytes are drawn 256 tokens at a time: one CSPRNG call instead of one per authorization;
 * every byte is used once.
 */
export function newToken(): string {
  if (poolOffset + TOKEN_BYTES > pool.length) {
    pool = randomBytes(TOKEN_BYTES * POOL_TOKENS);
    poolOffset = 0;
  }
  const token = pool.toString('base64url', poolOffset, poolOffset + TOKEN_BYTES);
  poolOffset += TOKEN_BYTES;
  return token;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** A subscription item that passed validation, with the dealer it names. */
export interface ValidItem {
  dealer: string;
  query: unknown;
  instance: BaseDealer;
}

/**
 * The state and rules of one DataSync service (PROTOCOL.md §4), free of transport and RPC:
 * dealers, subscriptions, buffering until acquisition, expiry, and local delta routing.
 * DataSyncService (frontend), DataSyncBackend and DataSyncPublisher all work through it.
 */
export class DataSyncEngine {
  readonly dealers = new DealerRegistry();
  readonly subscriptions = new SubscriptionStore();
  private readonly timeoutMs: number;
  private readonly maxBuffered: number;
  private readonly encode: DeltaEncoder;
  private readonly onDealerError: DealerErrorHandler;
  private readonly dealersOf = (model: string) => this.dealers.forModel(model);
  /** Counts deltas sent to acquired subscriptions (metrics); set before the first subscription. */
  deliveries: DeliveryCounter | undefined;

  constructor(options: DataSyncEngineOptions) {
    this.encode = options.encode;
    this.timeoutMs = 1000 * (options.unacquiredTimeout ?? DEFAULT_UNACQUIRED_TIMEOUT);
    this.maxBuffered = options.maxBufferedDeltas ?? DEFAULT_MAX_BUFFERED_DELTAS;
    this.onDealerError = options.onDealerError ?? (() => undefined);
  }

  registerDealer(dealer: BaseDealer, name: string = dealerName(dealer)): void {
    this.dealers.register(dealer, name);
  }

  /**
   * Validates every item, then registers the subscription with its dealers; returns the token.
   * `token` is given when a cluster node takes over a subscription authorized on another node.
   */
  authorize(rawItems: unknown, token?: string): string {
    const items = this.validateItems(rawItems);
    if (token === undefined) {
      token = newToken();
      while (this.subscriptions.get(token)) token = newToken();
    } else if (this.subscriptions.get(token)) {
      throw new DataSyncError(DataSyncErrorText.noSuchSubscription);
    }
    const subscription = new Subscription(token, items, this.maxBuffered, (s) => this.cancel(s), this.deliveries);
    const added: number[] = [];
    try {
      subscription.items.forEach((item, i) => {
        items[i].instance.addSubscriptionItem(item);
        added.push(i);
      });
    } catch (err) {
      for (const i of added) items[i].instance.removeSubscriptionItem(subscription.items[i]);
      throw err;
    }
    this.subscriptions.add(subscription);
    subscription.expiry = setTimeout(() => this.cancel(subscription), this.timeoutMs);
    subscription.expiry.unref?.();
    return token;
  }

  /** Checks items against the dealers (the errors of PROTOCOL.md §4) without registering anything. */
  validateItems(rawItems: unknown): ValidItem[] {
    if (!Array.isArray(rawItems)) throw new DataSyncError(DataSyncErrorText.invalidParams);
    const items: ValidItem[] = [];
    for (const raw of rawItems) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new DataSyncError(DataSyncErrorText.invalidParams);
      }
      const item = raw as Record<string, unknown>;
      if (!hasOwn.call(item, 'dealer')) throw new DataSyncError(DataSyncErrorText.missingField('dealer'));
      const name = item.dealer;
      if (typeof name !== 'string') throw new DataSyncError(DataSyncErrorText.dealerName);
      const dealer = this.dealers.get(name);
      if (!dealer) throw new DataSyncError(DataSyncErrorText.noSuchDealer);
      if (!hasOwn.call(item, 'query')) throw new DataSyncError(DataSyncErrorText.missingField('query'));
      try {
        dealer.validateQuery(item.query);
      } catch (err) {
        if (err instanceof InvalidQueryError) throw new DataSyncError(err.message);
        throw err;
      }
      items.push({ dealer: name, query: item.query, instance: dealer });
    }
    return items;
  }

  /**
   * Links an authorized, unacquired subscription to `client`, sending its kept deltas first.
   * `batchPrefix` makes it resumable (batchFramePrefix): its deltas then go out a batch per frame.
   */
  acquire(token: unknown, client: DeltaSink, batchPrefix?: string): Subscription {
    if (typeof token !== 'string') throw new DataSyncError(DataSyncErrorText.tokenMustBeString);
    const subscription = this.subscriptions.get(token);
    if (!subscription || subscription.acquired) throw new DataSyncError(DataSyncErrorText.noSuchSubscription);
    if (subscription.overflowed) {
      this.cancel(subscription);
      throw new DataSyncError(DataSyncErrorText.noSuchSubscription);
    }
    clearTimeout(subscription.expiry);
    subscription.expiry = undefined;
    if (batchPrefix !== undefined) subscription.makeResumable(batchPrefix);
    this.subscriptions.attach(subscription, client, new BatchEncoder(this.encode));
    return subscription;
  }

  /** Cancels a subscription on behalf of the client that acquired it. */
  cancelByClient(token: unknown, client: DeltaSink): void {
    if (typeof token !== 'string') throw new DataSyncError(DataSyncErrorText.tokenMustBeString);
    const subscription = this.subscriptions.get(token);
    if (!subscription || subscription.client !== client) {
      throw new DataSyncError(DataSyncErrorText.noSuchSubscription);
    }
    this.cancel(subscription);
  }

  /** Cancels every subscription the client acquired (it disconnected). */
  clientGone(client: DeltaSink): void {
    for (const subscription of this.subscriptions.ofClient(client)) this.cancel(subscription);
  }

  cancel(subscription: Subscription): void {
    if (subscription.cancelled) return;
    subscription.cancelled = true;
    clearTimeout(subscription.expiry);
    subscription.expiry = undefined;
    for (const item of subscription.items) {
      const dealer = this.dealers.get(item.dealer);
      try {
        dealer?.removeSubscriptionItem(item);
      } catch (err) {
        if (dealer) this.onDealerError(dealer, err);
      }
    }
    this.subscriptions.remove(subscription);
    subscription.detach();
  }

  /** Validates a whole batch (nothing is delivered if one delta is bad). */
  validateDeltas(raw: unknown): Delta[] {
    return parseDeltas(raw);
  }

  /** Routes an already validated batch (journal `position`) to this node's subscriptions, in order. */
  route(deltas: readonly Delta[], position?: JournalPosition): void {
    routeBatch(deltas, position, this.dealersOf, this.encode, this.onDealerError);
  }

  /** Routes a batch to the subscriptions `only` accepts (catching taken-over or resumed ones up). */
  routeTo(only: SubscriptionFilter, deltas: readonly Delta[], position?: JournalPosition): void {
    routeBatch(deltas, position, this.dealersOf, this.encode, this.onDealerError, only);
  }

  /** Cancels everything (service shutdown): clears timers so the process can exit. */
  close(): void {
    for (const s of [...this.subscriptions.all()]) this.cancel(s);
  }
}
