import { FieldPath, MISSING, readField } from './field-path';
import { CompiledFilter, matchFilter, parseFilter, requiredEquality } from './filter-expression';
import { jsonKey } from '../../../protocol/json-value';
import { naiveFilterMatches } from './naive-filter';

/**
 * A set of (item, filter expression) pairs that answers "which items match this object?".
 * `add` takes the raw expression (already validated by parseFilter at authorization).
 */
export interface FilterMatcher<T> {
  add(item: T, expression: unknown): void;
  remove(item: T): boolean;
  /** Adds every item whose filter matches `obj` to `out`. */
  collect(obj: unknown, out: Set<T>): void;
  readonly size: number;
}

/**
 * The original's algorithm: interpret every raw expression against every object. The reference
 * for the property test and the baseline of the benchmark.
 */
export class NaiveFilterMatcher<T> implements FilterMatcher<T> {
  private readonly filters = new Map<T, unknown>();

  get size(): number {
    return this.filters.size;
  }

  add(item: T, expression: unknown): void {
    this.filters.set(item, expression);
  }

  remove(item: T): boolean {
    return this.filters.delete(item);
  }

  collect(obj: unknown, out: Set<T>): void {
    for (const [item, expression] of this.filters) if (naiveFilterMatches(expression, obj)) out.add(item);
  }
}

/**
 * Every filter tested against every object like the original, but compiled once: the benchmark
 * uses it to tell what the index alone gains.
 */
export class ScanFilterMatcher<T> implements FilterMatcher<T> {
  private readonly filters = new Map<T, CompiledFilter>();

  get size(): number {
    return this.filters.size;
  }

  add(item: T, expression: unknown): void {
    this.filters.set(item, parseFilter(expression));
  }

  remove(item: T): boolean {
    return this.filters.delete(item);
  }

  collect(obj: unknown, out: Set<T>): void {
    for (const [item, filter] of this.filters) if (matchFilter(filter, obj)) out.add(item);
  }
}

interface Entry<T> {
  readonly item: T;
  readonly filter: CompiledFilter;
  /** The filter is nothing but its indexed equality: a bucket hit is a match, no re-test. */
  readonly exact: boolean;
  readonly field?: string;
  readonly key?: string;
}

interface FieldIndex<T> {
  readonly path: FieldPath;
  readonly buckets: Map<string, Set<Entry<T>>>;
}

/**
 * Filters that require `field == value` (at the top or inside an "and") are bucketed by
 * (field, value); an object is tested only against the bucket its own field value selects,
 * so routing costs O(indexed fields + candidates) instead of O(subscriptions).
 * Filters without such an equality go to a scan list tested against every object.
 */
export class IndexedFilterMatcher<T> implements FilterMatcher<T> {
  private readonly entries = new Map<T, Entry<T>>();
  private readonly fields = new Map<string, FieldIndex<T>>();
  private readonly scan = new Set<Entry<T>>();

  get size(): number {
    return this.entries.size;
  }

  /** How many filters could not be indexed (for metrics and tests). */
  get scanSize(): number {
    return this.scan.size;
  }

  add(item: T, expression: unknown): void {
    this.remove(item);
    const filter = parseFilter(expression);
    const eq = requiredEquality(filter);
    if (!eq) {
      const entry: Entry<T> = { item, filter, exact: false };
      this.entries.set(item, entry);
      this.scan.add(entry);
      return;
    }
    const entry: Entry<T> = { item, filter, exact: eq === filter, field: eq.field, key: eq.key };
    this.entries.set(item, entry);
    let index = this.fields.get(eq.field);
    if (!index) {
      index = { path: eq.path, buckets: new Map() };
      this.fields.set(eq.field, index);
    }
    let bucket = index.buckets.get(eq.key);
    if (!bucket) {
      bucket = new Set();
      index.buckets.set(eq.key, bucket);
    }
    bucket.add(entry);
  }

  remove(item: T): boolean {
    const entry = this.entries.get(item);
    if (!entry) return false;
    this.entries.delete(item);
    if (entry.field === undefined) {
      this.scan.delete(entry);
      return true;
    }
    // Drop emptied buckets and fields so a churn of distinct values does not leak memory.
    const index = this.fields.get(entry.field)!;
    const bucket = index.buckets.get(entry.key!)!;
    bucket.delete(entry);
    if (bucket.size === 0) {
      index.buckets.delete(entry.key!);
      if (index.buckets.size === 0) this.fields.delete(entry.field);
    }
    return true;
  }

  collect(obj: unknown, out: Set<T>): void {
    for (const index of this.fields.values()) {
      const value = readField(obj, index.path);
      if (value === MISSING) continue;
      const key = jsonKey(value);
      if (key === undefined) continue;
      const bucket = index.buckets.get(key);
      if (!bucket) continue;
      for (const entry of bucket) {
        if (entry.exact || matchFilter(entry.filter, obj)) out.add(entry.item);
      }
    }
    for (const entry of this.scan) if (matchFilter(entry.filter, obj)) out.add(entry.item);
  }
}
