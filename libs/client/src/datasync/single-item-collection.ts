import type { Collection, CollectionIterator } from './collection';

/**
 * A virtual collection of one item (e.g. the object a detail view shows),
 * kept through handlers. An empty item (`null`/`undefined` from `read`)
 * makes an empty collection; an insert sets the item.
 */
export class SingleItemCollection<T = any> implements Collection<T> {
  constructor(
    readonly readHandler: () => T | null | undefined,
    readonly updateHandler: (value: T) => void,
    readonly removeHandler: () => void = () => undefined,
  ) {}

  insert(value: T): void {
    this.updateHandler(value);
  }

  getIterator(): CollectionIterator<T> {
    let fetched = false;
    const item = this.readHandler();
    const pointing = () => {
      if (!fetched) throw new Error('Iterator not pointing to an item (call next())');
    };
    return {
      hasNext: () => !fetched && item !== null && item !== undefined,
      next: () => {
        if (fetched || item === null || item === undefined) throw new Error('Iterator exhausted');
        fetched = true;
        return item;
      },
      remove: () => {
        pointing();
        this.removeHandler();
      },
      update: (value: T) => {
        pointing();
        this.updateHandler(value);
      },
    };
  }
}
