import { SubscriptionItem } from '../subscription';
import { FilterSyntaxError, parseFilter } from '../filter/filter-expression';
import { FilterMatcher, IndexedFilterMatcher } from '../filter/filter-index';
import { BaseDealer, InvalidQueryError } from './base.dealer';

/**
 * The query is a filter expression (PROTOCOL.md §4). Invalid expressions are refused at
 * authorization. Matching goes through an index on required equalities, so a delta is
 * tested only against candidate filters plus the few that cannot be indexed.
 */
export abstract class FilterDealer extends BaseDealer {
  protected readonly matcher: FilterMatcher<SubscriptionItem> = new IndexedFilterMatcher<SubscriptionItem>();

  override validateQuery(query: unknown): void {
    try {
      parseFilter(query);
    } catch (err) {
      if (err instanceof FilterSyntaxError) throw new InvalidQueryError(`Invalid filter: ${err.message}`);
      throw err;
    }
  }

  addSubscriptionItem(item: SubscriptionItem): void {
    this.matcher.add(item, item.query);
  }

  removeSubscriptionItem(item: SubscriptionItem): void {
    this.matcher.remove(item);
  }

  getSubscriptionItemsForObject(obj: unknown): Iterable<SubscriptionItem> {
    const out = new Set<SubscriptionItem>();
    this.matcher.collect(obj, out);
    return out;
  }
}
