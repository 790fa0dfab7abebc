/**
 * What `CollectionDeltaProcessor` needs from a collection: insert, and an
 * iterator that can replace or remove the element it last returned.
 */
export interface CollectionIterator<T = any> {
  hasNext(): boolean;
  /** Advances and returns the element; also used for the first one. */
  next(): T;
  /** Removes the element last returned by `next()`. */
  remove(): void;
  /** Replaces the element last returned by `next()`. */
  update(value: T): void;
}

export interface Collection<T = any> {
  insert(value: T): void;
  getIterator(): CollectionIterator<T>;
}

/** Duck-typed, so collections from another copy of the library (or hand-written) work. */
export function isCollection(value: unknown): value is Collection {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Collection).insert === 'function' &&
    typeof (value as Collection).getIterator === 'function'
  );
}
