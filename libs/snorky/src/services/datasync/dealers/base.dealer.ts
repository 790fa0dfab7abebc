import { SubscriptionItem } from '../subscription';

/** Thrown by `validateQuery`; the message becomes the RPC error of authorizeSubscription. */
export class InvalidQueryError extends Error {
  override name = 'InvalidQueryError';
}

/**
 * The dealer API (PROTOCOL.md §4 "Dealers"): tracks the subscription items that refer to it
 * and says which of them an object of its model matches. Extend BroadcastDealer, SimpleDealer
 * or FilterDealer, or this class for a custom rule.
 *
 * Its name (what authorizeSubscription items refer to) is a `name` property if the subclass
 * sets one (`name = 'Tasks'`), else the `@Dealer({ name })` option, else the class name.
 * (`name` is deliberately not declared here, so subclasses set it without `override`.)
 */
export abstract class BaseDealer {
  /** The delta `model` this dealer handles. */
  abstract readonly model: string;

  /**
   * Refuses a query at authorization time (throw InvalidQueryError with a clear message),
   * so that bad queries never reach delivery. Accepts everything by default.
   */
  validateQuery(_query: unknown): void {}

  /** Called when a subscription item referring to this dealer is authorized. */
  abstract addSubscriptionItem(item: SubscriptionItem): void;

  /** Called when its subscription is cancelled, expires or its client disconnects. */
  abstract removeSubscriptionItem(item: SubscriptionItem): void;

  /**
   * The items an object of the model matches. Called once per insert/delete delta and twice
   * per update delta (old and new data). Must not throw for odd objects: no match instead.
   */
  abstract getSubscriptionItemsForObject(obj: unknown): Iterable<SubscriptionItem>;
}

/** The dealer's effective name: its `name` property, else `fallback`, else its class name. */
export function dealerName(dealer: BaseDealer, fallback?: string): string {
  const own = (dealer as { name?: unknown }).name;
  return typeof own === 'string' && own.length > 0 ? own : (fallback ?? dealer.constructor.name);
}
