import { BaseDealer } from './dealers/base.dealer';
import { Delta } from './delta';
import type { Frame } from '../../protocol/envelope';
import { Subscription } from './subscription';

/** Builds the frame a client receives for a delta; called at most once per delta variant. */
export type DeltaEncoder = (delta: Delta) => Frame;

export type DealerErrorHandler = (dealer: BaseDealer, err: unknown) => void;

function subscriptionsMatching(
  dealers: readonly BaseDealer[],
  obj: unknown,
  onError: DealerErrorHandler,
  only?: Subscription,
): Set<Subscription> {
  const subscriptions = new Set<Subscription>();
  for (const dealer of dealers) {
    try {
      for (const item of dealer.getSubscriptionItemsForObject(obj)) {
        if (!only || item.subscription === only) subscriptions.add(item.subscription);
      }
    } catch (err) {
      // A custom dealer's bug must not abort the rest of the batch for everyone else.
      onError(dealer, err);
    }
  }
  return subscriptions;
}

/**
 * Delivers one delta to the subscriptions of this node, at most once per subscription
 * (the union of its items decides), serializing each outgoing variant once.
 *
 * `only` restricts delivery to one subscription (catching a taken-over cluster subscription up).
 *
 * An update delta becomes, per subscription (PROTOCOL.md §4):
 *   old no / new yes -> insert newData;  yes / yes -> the update;  yes / no -> delete oldData.
 */
export function routeDelta(
  delta: Delta,
  dealers: readonly BaseDealer[],
  encode: DeltaEncoder,
  onError: DealerErrorHandler,
  only?: Subscription,
): void {
  if (dealers.length === 0) return;
  if (delta.type !== 'update') {
    const targets = subscriptionsMatching(dealers, delta.data, onError, only);
    if (targets.size === 0) return;
    const frame = encode(delta);
    for (const s of targets) s.deliver(frame);
    return;
  }
  const before = subscriptionsMatching(dealers, delta.oldData, onError, only);
  const after = subscriptionsMatching(dealers, delta.newData, onError, only);
  let updateFrame: Frame | undefined;
  let insertFrame: Frame | undefined;
  for (const s of after) {
    if (before.has(s)) {
      s.deliver((updateFrame ??= encode(delta)));
    } else {
      s.deliver((insertFrame ??= encode({ type: 'insert', model: delta.model, data: delta.newData })));
    }
  }
  let deleteFrame: Frame | undefined;
  for (const s of before) {
    if (!after.has(s)) s.deliver((deleteFrame ??= encode({ type: 'delete', model: delta.model, data: delta.oldData })));
  }
}
