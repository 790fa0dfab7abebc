import { SubscriptionItem } from '../subscription';
import { BaseDealer } from './base.dealer';

/** Every item matches every object of the model; the query is ignored. */
export abstract class BroadcastDealer extends BaseDealer {
  private readonly items = new Set<SubscriptionItem>();

  addSubscriptionItem(item: SubscriptionItem): void {
    this.items.add(item);
  }

  removeSubscriptionItem(item: SubscriptionItem): void {
    this.items.delete(item);
  }

  getSubscriptionItemsForObject(_obj: unknown): Iterable<SubscriptionItem> {
    return this.items;
  }
}
