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
