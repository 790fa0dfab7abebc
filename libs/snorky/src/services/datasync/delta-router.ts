import type { JournalPosition } from '../../broker/journal';
import { BaseDealer } from './dealers/base.dealer';
import { Delta } from './delta';
import { BatchEncoder, DeltaEncoder } from './batch-encoder';
import { Subscription } from './subscription';

export type { DeltaEncoder } from './batch-encoder';

export type DealerErrorHandler = (dealer: BaseDealer, err: unknown) => void;

/** Finds a delta's dealers by model (the engine's DealerRegistry). */
export type DealersOf = (model: string) => readonly BaseDealer[];

/** Restricts a routing to some subscriptions (catching subscriptions up from the journal). */
export type SubscriptionFilter = (subscription: Subscription) => boolean;

function subscriptionsMatching(
  dealers: readonly BaseDealer[],
  obj: unknown,
  onError: DealerErrorHandler,
  only?: SubscriptionFilter,
): Set<Subscription> {
  const subscriptions = new Set<Subscription>();
  for (const dealer of dealers) {
    try {
      for (const item of dealer.getSubscriptionItemsForObject(obj)) {
        if (!only || only(item.subscription)) subscriptions.add(item.subscription);
      }
    } catch (err) {
      // A custom dealer's bug must not abort the rest of the batch for everyone else.
      onError(dealer, err);
    }
  }
  return subscriptions;
}

/**
 * Delivers one published batch to the subscriptions of this node, each delta at most once per
 * subscription (the union of its items decides), serializing each outgoing variant once.
 *
 * An update delta becomes, per subscription (PROTOCOL.md §4):
 *   old no / new yes -> insert newData;  yes / yes -> the update;  yes / no -> delete oldData.
 *
 * Subscriptions acquired by original clients get each delta's frame at once, as before. The others
 * (resumable ones, and those not yet acquired) collect the batch's deltas that concern them and get
 * them together at the end: one `deltas` frame, or one kept batch.
 * `only` restricts delivery to some subscriptions (catching taken-over or resumed ones up).
 */
export function routeBatch(
  deltas: readonly Delta[],
  position: JournalPosition | undefined,
  dealersOf: DealersOf,
  encode: DeltaEncoder,
  onError: DealerErrorHandler,
  only?: SubscriptionFilter,
): void {
  const encoder = new BatchEncoder(encode);
  const collected = new Map<Subscription, Delta[]>();
  const give = (s: Subscription, variant: Delta) => {
    if (s.takesDeltaFrames) return s.deliver(encoder.deltaFrame(variant));
    const list = collected.get(s);
    if (list) list.push(variant);
    else collected.set(s, [variant]);
  };
  for (const delta of deltas) {
    const dealers = dealersOf(delta.model);
    if (dealers.length > 0) routeDelta(delta, dealers, give, onError, only);
  }
  for (const [s, list] of collected) s.deliverBatch(list, position, encoder);
}

function routeDelta(
  delta: Delta,
  dealers: readonly BaseDealer[],
  give: (s: Subscription, variant: Delta) => void,
  onError: DealerErrorHandler,
  only?: SubscriptionFilter,
): void {
  if (delta.type !== 'update') {
    for (const s of subscriptionsMatching(dealers, delta.data, onError, only)) give(s, delta);
    return;
  }
  const before = subscriptionsMatching(dealers, delta.oldData, onError, only);
  const after = subscriptionsMatching(dealers, delta.newData, onError, only);
  let insert: Delta | undefined;
  for (const s of after) {
    if (before.has(s)) give(s, delta);
    else give(s, (insert ??= { type: 'insert', model: delta.model, data: delta.newData }));
  }
  let deleted: Delta | undefined;
  for (const s of before) {
    if (!after.has(s)) give(s, (deleted ??= { type: 'delete', model: delta.model, data: delta.oldData }));
  }
}
