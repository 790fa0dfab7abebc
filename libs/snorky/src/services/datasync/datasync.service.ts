import { Inject, Optional } from '@nestjs/common';
import type { Client } from '../../client/client';
import { encodeEnvelope } from '../../protocol/envelope';
import { failureLog } from '../../logging/failure-log';
import { RpcCommand } from '../../rpc/rpc-command.decorator';
import { RpcRequest } from '../../rpc/rpc-request';
import { RpcService } from '../../rpc/rpc.service';
import { SnorkyService } from '../../rpc/snorky-service.decorator';
import { SubscriptionQuota } from '../../limits/subscription-quota';
import { ClusterSubscriptionHandoff } from './cluster-subscription-handoff';
import { DataSyncEngine, DEFAULT_UNACQUIRED_TIMEOUT } from './datasync-engine';
import { TokenParams } from './datasync.params';
import { BaseDealer, dealerName } from './dealers/base.dealer';
import { Delta } from './delta';
import { DataSyncError, DataSyncErrorText } from './datasync-error';
import { LocalSubscriptionHandoff, SubscriptionHandoff } from './subscription-handoff';

export const DATASYNC_OPTIONS = Symbol('DATASYNC_OPTIONS');

export interface DataSyncOptions {
  /** Overrides the `@SnorkyService` name (several DataSync services in one app). */
  name?: string;
  /** Seconds an authorized subscription waits to be acquired before it is cancelled. Default 120. */
  unacquiredTimeout?: number;
  /** Deltas kept per unacquired subscription; beyond that it is cancelled. Default 10 000. */
  maxBufferedDeltas?: number;
  /**
   * Seconds a `publishDeltas` batch id is remembered (cluster-wide): a batch sent again with the same
   * id within this window is acknowledged and not delivered again. Default 900 (15 min).
   */
  batchDedupWindow?: number;
}

export const DEFAULT_BATCH_DEDUP_WINDOW = 900;
/** Longest batch id accepted (connectors send a UUID). */
export const MAX_BATCH_ID_LENGTH = 128;

/**
 * The frontend DataSync service (PROTOCOL.md §4): browsers acquire and cancel subscriptions that
 * the backend authorized, and receive `{"type": "delta", "delta": ...}` notifications.
 *
 * Deltas published anywhere (DataSyncBackend, DataSyncPublisher) are broadcast on the broker
 * channel `datasync:<name>`; every node routes them against its own subscriptions. Where an
 * authorized subscription waits for its client is the handoff's business: this node's engine, or
 * in a cluster, the broker (ClusterSubscriptionHandoff).
 */
@SnorkyService('datasync')
export class DataSyncService extends RpcService {
  readonly engine: DataSyncEngine;
  private handoff: SubscriptionHandoff;
  private readonly unacquiredTimeout: number;
  /** Acquired subscriptions per connection (PROTOCOL §11). */
  private quota = new SubscriptionQuota(this.limits.maxSubscriptions);
  private readonly batchDedupWindowMs: number;

  constructor(@Optional() @Inject(DATASYNC_OPTIONS) options: DataSyncOptions = {}) {
    super();
    if (options.name) this.name = options.name;
    this.unacquiredTimeout = options.unacquiredTimeout ?? DEFAULT_UNACQUIRED_TIMEOUT;
    this.batchDedupWindowMs = (options.batchDedupWindow ?? DEFAULT_BATCH_DEDUP_WINDOW) * 1000;
    this.engine = new DataSyncEngine({
      // Encoded once per delta variant and sent as the same bytes to every recipient.
      encode: (delta) => Buffer.from(encodeEnvelope(this.name, { type: 'delta', delta })),
      unacquiredTimeout: options.unacquiredTimeout,
      maxBufferedDeltas: options.maxBufferedDeltas,
      onDealerError: (dealer, err) =>
        failureLog.error(`${this.name}: dealer ${dealerName(dealer)} failed while routing`, err instanceof Error ? err.stack : String(err)),
    });
    this.handoff = new LocalSubscriptionHandoff(this.engine);
  }

  protected override onAttach(): void {
    this.quota = new SubscriptionQuota(this.limits.maxSubscriptions);
    this.engine.deliveries = this.metrics.deltas;
    this.metrics.service(this.name).subscriptions = () => this.engine.subscriptions.acquiredCount;
    if (this.broker.clustered) {
      this.handoff = new ClusterSubscriptionHandoff(this.engine, this.broker, this.channel, this.unacquiredTimeout * 1000, this.logger);
    }
    this.broker.onBroadcast(this.channel, (payload) => this.engine.route(payload as Delta[]));
  }

  /** The broker channel carrying this service's validated delta batches to every node. */
  get channel(): string {
    return `datasync:${this.name}`;
  }

  /** Adds a dealer (discovered `@Dealer` providers and declarative dealers come through here). */
  registerDealer(dealer: BaseDealer, name: string = dealerName(dealer)): void {
    this.engine.registerDealer(dealer, name);
    this.logger.log(`dealer "${name}" for model "${dealer.model}"`);
  }

  @RpcCommand()
  async acquireSubscription({ token }: TokenParams, req: RpcRequest): Promise<void> {
    this.quota.take(req.client);
    try {
      // Kept deltas are sent here, before the reply: when the client sees the reply it has them all.
      await this.handoff.acquire(token, req.client);
    } catch (err) {
      this.quota.release(req.client);
      throw err;
    }
  }

  @RpcCommand()
  cancelSubscription({ token }: TokenParams, req: RpcRequest): void {
    this.engine.cancelByClient(token, req.client);
    this.quota.release(req.client);
  }

  override clientDisconnected(client: Client): void {
    this.quota.forget(client);
    this.handoff.clientGone(client);
  }

  /**
   * Validates the items and returns a new token (throws DataSyncError with the protocol's text).
   * In a cluster the token is on its way to the other nodes when this returns; use
   * `authorizeSubscriptionShared` to wait until any node can acquire it.
   */
  authorizeSubscription(items: unknown): string {
    return this.handoff.authorize(items).token;
  }

  /** Like `authorizeSubscription`, resolving once the token can be acquired on any node. */
  async authorizeSubscriptionShared(items: unknown): Promise<string> {
    const { token, shared } = this.handoff.authorize(items);
    await shared;
    return token;
  }

  /**
   * Validates the whole batch, then hands it to every node (this one included) for routing.
   * With a `batchId` (a retry-safe publication, docs/protocol-notes.md): a batch whose id was seen
   * within the dedup window, on any node, is not delivered again. Resolves false for such a duplicate.
   */
  async publishDeltas(deltas: unknown, batchId?: unknown): Promise<boolean> {
    if (batchId !== undefined && (typeof batchId !== 'string' || batchId.length === 0 || batchId.length > MAX_BATCH_ID_LENGTH)) {
      throw new DataSyncError(DataSyncErrorText.batchIdMustBeString);
    }
    const batch = this.engine.validateDeltas(deltas);
    const once = batchId === undefined ? undefined : { key: `${this.channel}:${batchId}`, ttlMs: this.batchDedupWindowMs };
    // An empty batch with an id still records the id: its retry must not count as new either.
    if (batch.length === 0 && !once) return true;
    const fresh = await this.broker.broadcast(this.channel, batch, once);
    if (!fresh) this.logger.debug(`batch ${batchId} was published before; not delivered again`);
    const counter = this.metrics.deltas;
    if (fresh && counter !== undefined) counter.published += batch.length;
    return fresh;
  }

  /** After the drain (beforeApplicationShutdown), so deltas published while draining still reach their clients. */
  onApplicationShutdown(): void {
    this.handoff.close();
  }
}
