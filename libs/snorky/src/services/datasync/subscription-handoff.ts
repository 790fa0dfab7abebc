import { DataSyncEngine } from './datasync-engine';
import { DeltaSink, Subscription } from './subscription';

/** A token just authorized, and when every node can acquire it. */
export interface Authorization {
  token: string;
  /** Resolves once the token can be acquired on any node; rejects if it could not be shared. */
  shared: Promise<void>;
}

/**
 * How an authorized subscription reaches the client that acquires it (PROTOCOL.md §4): on one node
 * it simply waits in the engine; in a cluster the client may be on any node
 * (ClusterSubscriptionHandoff). DataSyncService picks one from the broker; nothing else differs.
 */
export interface SubscriptionHandoff {
  /** Validates the items (throws DataSyncError) and returns the new token at once. */
  authorize(items: unknown): Authorization;
  /**
   * Links the subscription to `client`, kept deltas first; throws/rejects with DataSyncError if none.
   * `batchPrefix` makes it resumable (Subscription.makeResumable).
   */
  acquire(token: unknown, client: DeltaSink, batchPrefix?: string): Subscription | Promise<Subscription>;
  /** The client disconnected. */
  clientGone(client: DeltaSink): void;
  close(): void;
}

const DONE = Promise.resolve();

/** Single node: the subscription waits in this node's engine, keeping its deltas. */
export class LocalSubscriptionHandoff implements SubscriptionHandoff {
  constructor(private readonly engine: DataSyncEngine) {}

  authorize(items: unknown): Authorization {
    return { token: this.engine.authorize(items), shared: DONE };
  }

  acquire(token: unknown, client: DeltaSink, batchPrefix?: string): Subscription {
    return this.engine.acquire(token, client, batchPrefix);
  }

  clientGone(client: DeltaSink): void {
    this.engine.clientGone(client);
  }

  close(): void {
    this.engine.close();
  }
}
