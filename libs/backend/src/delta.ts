/** DataSync shapes of PROTOCOL.md §4, as a web backend sends them. */

export type InsertDelta = { type: 'insert'; model: string; data: unknown };
export type DeleteDelta = { type: 'delete'; model: string; data: unknown };
export type UpdateDelta = { type: 'update'; model: string; newData: unknown; oldData: unknown };
export type Delta = InsertDelta | UpdateDelta | DeleteDelta;

/** One item of `authorizeSubscription`: which dealer, and the query it matches objects against. */
export interface SubscriptionItem {
  dealer: string;
  query: unknown;
}

/**
 * Anything that publishes deltas: the HTTP `SnorkyBackend`, or the core's in-process
 * `DataSyncPublisher` when the Nest app hosts Snorky itself.
 */
export interface DeltaPublisher {
  /** `batchId` makes the publication retry-safe: Snorky delivers one batch id once (docs/protocol-notes.md). */
  publishDeltas(deltas: Delta[], service?: string, batchId?: string): unknown;
}

/** Anything that authorizes subscriptions: `SnorkyBackend` or the core's `DataSyncPublisher`. */
export interface SubscriptionAuthorizer {
  authorizeSubscription(items: SubscriptionItem[]): string | Promise<string>;
}
