import { isCollection, type Collection } from './collection';
import type { Delta, DeltaBatch } from './delta';
import { notAfter, type JournalPosition } from '../journal-position';
import type { SignalBinding, SignalLike } from '../signal';

/** Per model, one collection — or several views of that model, by tag. */
export type CollectionMap = Record<string, Collection | Record<string, Collection>>;

export interface CollectionDeltaProcessorOptions {
  /** Whether a collection element and a delta's object are the same item. Default: equal, non-null `id`. */
  itemsAreEqual?: (item: any, other: any, delta: Delta) => boolean;
  /**
   * For tagged collections, the tag of a model object when the delta carries
   * none; an update moving an object between tags is applied as a removal
   * from one view and an insertion into the other.
   */
  tagOf?: (item: any, model: string) => string | undefined;
  /**
   * Apply deltas idempotently (default true): an insert of an item already
   * present replaces it and an update of an absent item inserts it. This is
   * what keeps a collection right when the initial data was read after some
   * of the deltas kept for the subscription had already happened.
   */
  idempotent?: boolean;
  /** Called for a delta no collection is registered for (default: ignored). */
  onUnhandledDelta?: (delta: Delta) => void;
  /** Called once per batch after all its deltas were applied (e.g. to render once per transaction). */
  onBatchApplied?: (batch: DeltaBatch) => void;
}

/** A DataSync connector, or any source of deltas (and, from newer connectors, of batches). */
export interface DeltaSource {
  deltaReceived: SignalLike<Delta>;
  batchReceived?: SignalLike<DeltaBatch>;
}

const hasOwn = Object.prototype.hasOwnProperty;

export function idsAreEqual(item: any, other: any): boolean {
  if (item === null || item === undefined || other === null || other === undefined) return false;
  if (item.id === undefined || item.id === null) return false;
  return item.id === other.id || String(item.id) === String(other.id);
}

/**
 * Applies DataSync deltas to collections:
 *
 *     const processor = new CollectionDeltaProcessor({ Todo: new ArrayCollection(todos) });
 *     processor.listenTo(snorky.services.datasync);
 */
export class CollectionDeltaProcessor {
  readonly collections: CollectionMap;
  private readonly options: CollectionDeltaProcessorOptions;
  /** Per subscription token, the position of the last batch applied. */
  private readonly appliedPositions = new Map<string, JournalPosition>();

  constructor(collections: CollectionMap = {}, options: CollectionDeltaProcessorOptions = {}) {
    this.collections = collections;
    this.options = options;
    if (options.itemsAreEqual) this.itemsAreEqual = options.itemsAreEqual;
  }

  itemsAreEqual(item: any, other: any, _delta: Delta): boolean {
    return idsAreEqual(item, other);
  }

  /** Feeds every batch (or, from a source without batches, every delta) of a DataSync connector to this processor. */
  listenTo(source: DeltaSource): SignalBinding {
    if (source.batchReceived) return source.batchReceived.add((batch) => this.processBatch(batch));
    return source.deltaReceived.add((delta) => this.processDelta(delta));
  }

  /**
   * Applies all deltas of a batch in one synchronous step, so a view never shows half a transaction.
   * Returns false for a batch already applied (same token, position not after the last one applied).
   */
  processBatch(batch: DeltaBatch): boolean {
    const { token, position } = batch;
    if (token !== undefined && position !== undefined) {
      if (notAfter(position, this.appliedPositions.get(token))) return false;
      this.appliedPositions.set(token, position);
    }
    for (const delta of batch.deltas) this.processDelta(delta);
    this.options.onBatchApplied?.(batch);
    return true;
  }

  /** Applies a delta to its model's collection; returns false when no collection is registered for it. */
  processDelta(delta: Delta): boolean {
    // Own keys only: a model named "constructor" or "__proto__" is a name, not Object.prototype.
    const entry = hasOwn.call(this.collections, delta.model) ? this.collections[delta.model] : undefined;
    if (entry === undefined) return this.unhandled(delta);
    if (isCollection(entry)) {
      this.apply(entry, delta);
      return true;
    }
    return this.applyTagged(entry, delta);
  }

  private applyTagged(views: Record<string, Collection>, delta: Delta): boolean {
    const view = (tag: string | undefined) => (tag !== undefined && hasOwn.call(views, tag) ? views[tag] : undefined);
    if (delta.tag !== undefined) {
      const collection = view(delta.tag);
      if (!collection) return this.unhandled(delta);
      this.apply(collection, delta);
      return true;
    }
    const tagOf = this.options.tagOf;
    if (!tagOf) return this.unhandled(delta);
    if (delta.type !== 'update') {
      const collection = view(tagOf(delta.data, delta.model));
      if (!collection) return this.unhandled(delta);
      this.apply(collection, delta);
      return true;
    }
    const from = view(tagOf(delta.oldData, delta.model));
    const to = view(tagOf(delta.newData, delta.model));
    if (!from && !to) return this.unhandled(delta);
    if (from === to) {
      this.apply(from!, delta);
    } else {
      if (from) this.apply(from, { type: 'delete', model: delta.model, data: delta.oldData });
      if (to) this.apply(to, { type: 'insert', model: delta.model, data: delta.newData });
    }
    return true;
  }

  private apply(collection: Collection, delta: Delta): void {
    const idempotent = this.options.idempotent !== false;
    switch (delta.type) {
      case 'insert':
        if (!(idempotent && this.replace(collection, delta.data, delta.data, delta))) collection.insert(delta.data);
        break;
      case 'update':
        if (!this.replace(collection, delta.oldData, delta.newData, delta) && idempotent) collection.insert(delta.newData);
        break;
      case 'delete': {
        const iterator = collection.getIterator();
        while (iterator.hasNext()) {
          if (this.itemsAreEqual(iterator.next(), delta.data, delta)) {
            iterator.remove();
            break;
          }
        }
        break;
      }
      default:
        this.unhandled(delta);
    }
  }

  /** Replaces the element equal to `match` with `value`; false when there is none. */
  private replace(collection: Collection, match: unknown, value: unknown, delta: Delta): boolean {
    const iterator = collection.getIterator();
    while (iterator.hasNext()) {
      if (this.itemsAreEqual(iterator.next(), match, delta)) {
        iterator.update(value);
        return true;
      }
    }
    return false;
  }

  private unhandled(delta: Delta): false {
    this.options.onUnhandledDelta?.(delta);
    return false;
  }
}
