import { Inject, Optional } from '@nestjs/common';
import type { Client } from '../../client/client';
import { encodeEnvelope } from '../../protocol/envelope';
import { RpcCommand } from '../../rpc/rpc-command.decorator';
import { RpcRequest } from '../../rpc/rpc-request';
import { RpcService } from '../../rpc/rpc.service';
import { SnorkyService } from '../../rpc/snorky-service.decorator';
import { ClusterSubscriptionHandoff } from './cluster-subscription-handoff';
import { DataSyncEngine, DEFAULT_UNACQUIRED_TIMEOUT } from './datasync-engine';
import { TokenParams } from './datasync.params';
import { BaseDealer, dealerName } from './dealers/base.dealer';
import { Delta } from './delta';
import { LocalSubscriptionHandoff, SubscriptionHandoff } from './subscription-handoff';

export const DATASYNC_OPTIONS = Symbol('DATASYNC_OPTIONS');

export interface DataSyncOptions {
  /** Overrides the `@SnorkyService` name (several DataSync services in one app). */
  name?: string;
  /** Seconds an authorized subscription waits to be acquired before it is cancelled. Default 120. */
  unacquiredTimeout?: number;
  /** Deltas kept per unacquired subscription; beyond that it is cancelled. Default 10 000. */
  maxBufferedDeltas?: number;
}

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

  constructor(@Optional() @Inject(DATASYNC_OPTIONS) options: DataSyncOptions = {}) {
    super();
    if (options.name) this.name = options.name;
    this.unacquiredTimeout = options.unacquiredTimeout ?? DEFAULT_UNACQUIRED_TIMEOUT;
    this.engine = new DataSyncEngine({
      // Encoded once per delta variant and sent as the same bytes to every recipient.
      encode: (delta) => Buffer.from(encodeEnvelope(this.name, { type: 'delta', delta })),
      unacquiredTimeout: options.unacquiredTimeout,
      maxBufferedDeltas: options.maxBufferedDeltas,
      onDealerError: (dealer, err) =>
        this.logger.error(`dealer ${dealerName(dealer)} failed while routing`, err instanceof Error ? err.stack : String(err)),
    });
    this.handoff = new LocalSubscriptionHandoff(this.engine);
  }

  protected override onAttach(): void {
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
  acquireSubscription({ token }: TokenParams, req: RpcRequest): void | Promise<void> {
    // Kept deltas are sent here, before the reply: when the client sees the reply it has them all.
    return this.handoff.acquire(token, req.client);
  }

  @RpcCommand()
  cancelSubscription({ token }: TokenParams, req: RpcRequest): void {
    this.engine.cancelByClient(token, req.client);
  }

  override clientDisconnected(client: Client): void {
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

  /** Validates the whole batch, then hands it to every node (this one included) for routing. */
  async publishDeltas(deltas: unknown): Promise<void> {
    const batch = this.engine.validateDeltas(deltas);
    if (batch.length === 0) return;
    await this.broker.broadcast(this.channel, batch);
    const counter = this.metrics.deltas;
    if (counter !== undefined) counter.published += batch.length;
  }

  onModuleDestroy(): void {
    this.handoff.close();
  }
}
