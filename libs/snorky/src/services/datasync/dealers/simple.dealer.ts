import { SubscriptionItem } from '../subscription';
import { MISSING, parseFieldPath, readField, FieldPath } from '../filter/field-path';
import { jsonKey } from '../../../protocol/json-value';
import { BaseDealer } from './base.dealer';

const NO_ITEMS: ReadonlySet<SubscriptionItem> = new Set();

/**
 * An item matches an object when its query equals the object's key, compared by value
 * (`{"a":1}` equals `{"a":1}` whatever the key order). The key is the (possibly dotted)
 * field named by `key`, or whatever `getKeyForObject` returns when overridden.
 * A missing field — or a key function that throws — is no match, never an error.
 */
export abstract class SimpleDealer extends BaseDealer {
  // `key` (the dotted field whose value is the key, e.g. "owner" or "project.id") is set by
  // subclasses as a plain property; not declared here so that needs no `override`.
  private readonly itemsByKey = new Map<string, Set<SubscriptionItem>>();
  private keyPath?: FieldPath;

  /** The object's key; undefined means "no key" (no match). Override for computed keys. */
  getKeyForObject(obj: unknown): unknown {
    if (!this.keyPath) {
      const key = (this as { key?: unknown }).key;
      const path = typeof key === 'string' ? parseFieldPath(key) : undefined;
      if (!path) throw new Error(`${this.constructor.name}: set "key" to a field name or override getKeyForObject()`);
      this.keyPath = path;
    }
    const value = readField(obj, this.keyPath);
    return value === MISSING ? undefined : value;
  }

  addSubscriptionItem(item: SubscriptionItem): void {
    const k = jsonKey(item.query);
    if (k === undefined) return;
    let set = this.itemsByKey.get(k);
    if (!set) this.itemsByKey.set(k, (set = new Set()));
    set.add(item);
  }

  removeSubscriptionItem(item: SubscriptionItem): void {
    const k = jsonKey(item.query);
    if (k === undefined) return;
    const set = this.itemsByKey.get(k);
    if (!set) return;
    set.delete(item);
    if (set.size === 0) this.itemsByKey.delete(k);
  }

  getSubscriptionItemsForObject(obj: unknown): Iterable<SubscriptionItem> {
    let key: unknown;
    try {
      key = this.getKeyForObject(obj);
    } catch {
      return NO_ITEMS;
    }
    const k = jsonKey(key);
    return (k !== undefined && this.itemsByKey.get(k)) || NO_ITEMS;
  }
}
