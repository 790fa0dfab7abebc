import type { Collection, CollectionIterator } from './collection';

export interface ArrayCollectionOptions<T, S> {
  /** Applied to every inserted or updated element, e.g. to turn plain JSON into a model object. */
  transformItem?: (item: T) => S;
}

/** A collection over a JavaScript array, modified in place (views bound to the array see the changes). */
export class ArrayCollection<T = any, S = T> implements Collection<T> {
  private readonly transformItem: (item: T) => S;

  constructor(
    readonly array: S[],
    options: ArrayCollectionOptions<T, S> = {},
  ) {
    this.transformItem = options.transformItem ?? ((item: T) => item as unknown as S);
  }

  insert(value: T): void {
    this.array.push(this.transformItem(value));
  }

  getIterator(): CollectionIterator<T> {
    return new ArrayIterator<T, S>(this.array, this.transformItem);
  }
}

class ArrayIterator<T, S> implements CollectionIterator<T> {
  private index = -1;
  private removed = false;

  constructor(
    private readonly array: S[],
    private readonly transformItem: (item: T) => S,
  ) {}

  hasNext(): boolean {
    return this.index < this.array.length - 1;
  }

  next(): T {
    if (!this.hasNext()) throw new Error('Iterator exhausted');
    this.removed = false;
    return this.array[++this.index] as unknown as T;
  }

  remove(): void {
    this.checkPointing();
    this.array.splice(this.index--, 1);
    this.removed = true;
  }

  update(value: T): void {
    this.checkPointing();
    this.array[this.index] = this.transformItem(value);
  }

  private checkPointing(): void {
    if (this.removed) throw new Error('Iterator pointing to a removed item (call next())');
    if (this.index === -1) throw new Error('Iterator not pointing to an item (call next())');
  }
}
