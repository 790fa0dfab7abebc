import type { JournalPosition } from '../journal-position';

/** A change of one model object, as DataSync delivers it. */
export interface InsertDelta<T = any> {
  type: 'insert';
  model: string;
  data: T;
  /** Optional: picks a tagged collection (see `CollectionDeltaProcessor`). */
  tag?: string;
}

export interface UpdateDelta<T = any> {
  type: 'update';
  model: string;
  newData: T;
  oldData: T;
  tag?: string;
}

export interface DeleteDelta<T = any> {
  type: 'delete';
  model: string;
  data: T;
  tag?: string;
}

export type Delta<T = any> = InsertDelta<T> | UpdateDelta<T> | DeleteDelta<T>;

/**
 * The deltas of one published batch (one transaction) concerning a subscription, to be applied together.
 * An old-style `delta` frame (or a server without resume) makes a batch of one without token or position.
 */
export interface DeltaBatch {
  /** The subscription the batch is for. */
  token?: string;
  /** The batch's place in the server's journal. */
  position?: JournalPosition;
  deltas: Delta[];
}
