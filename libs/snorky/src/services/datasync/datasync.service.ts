import { Inject, Optional } from '@nestjs/common';
import type { Client } from '../../client/client';
import { JournalPosition, parsePosition } from '../../broker/journal';
import { encodeEnvelope } from '../../protocol/envelope';
import { ErrorText } from '../../protocol/error-text';
import { RpcError } from '../../rpc/rpc-error';
import { failureLog } from '../../logging/failure-log';
import { RpcCommand } from '../../rpc/rpc-command.decorator';
import { RpcRequest } from '../../rpc/rpc-request';
import { RpcService } from '../../rpc/rpc.service';
import { SnorkyService } from '../../rpc/snorky-service.decorator';
import { SubscriptionQuota } from '../../limits/subscription-quota';
import { ClusterSubscriptionHandoff } from './cluster-subscription-handoff';
import { DataSyncEngine, DEFAULT_UNACQUIRED_TIMEOUT } from './datasync-engine';
import { AcquireParams, ResumeParams, TokenParams } from './datasync.params';
import { batchFramePrefix } from './batch-encoder';
import { DEFAULT_RESUME_WINDOW, SubscriptionResume } from './subscription-resume';
import { JournalCatchUp } from './journal-catch-up';
import { PositionNotices } from '../position-notices';
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
  /**
   * Seconds a resumable subscription can be resumed after its connection is gone, and (at least)
   * how long published batches stay in the journal for it. Default 300 (5 min).
   */
  resumeWindow?: number;
  /** At most this many batches are kept in the journal (default 100 000); older ones cannot be resumed from. */
  journalMaxEntries?: number;
  /** Seconds between `position` notifications to connections whose position advanced. Default 15. */
  positionInterval?: number;
}

/** What a resumable acquisition or a resumption answers (docs/protocol-notes.md, "Resume"). */
export interface ResumeReply {
  resumeToken?: string;
  position: JournalPosition;
}

export const DEFAULT_BATCH_DEDUP_WINDOW = 900;
export const DEFAULT_POSITION_INTERVAL = 15;
/** Batches stay in the journal this much longer than a token can wait (clock and transit slack). */
const JOURNAL_MARGIN_MS = 10_000;
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
  private quota = this.newQuota();
  private readonly batchDedupWindowMs: number;
  private readonly resumeWindowMs: number;
  private readonly positionIntervalMs: number;
  private readonly journalMaxEntries: number | undefined;
  private resume!: SubscriptionResume;
  private positions!: PositionNotices;

  constructor(@Optional() @Inject(DATASYNC_OPTIONS) options: DataSyncOptions = {}) {
    super();
    this.resumeWindowMs = (options.resumeWindow ?? DEFAULT_RESUME_WINDOW) * 1000;
    this.positionIntervalMs = (options.positionInterval ?? DEFAULT_POSITION_INTERVAL) * 1000;
    this.journalMaxEntries = options.journalMaxEntries;
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
    this.quota = this.newQuota();
    this.engine.deliveries = this.metrics.deltas;
    this.metrics.service(this.name).subscriptions = () => this.engine.subscriptions.acquiredCount;
    // One journal, single node (memory) or cluster (Redis): it serves taken-over tokens and resumes.
    const retentionMs = Math.max(this.resumeWindowMs, this.unacquiredTimeout * 1000 + JOURNAL_MARGIN_MS);
    this.broker.keepJournal(this.channel, { retentionMs, maxEntries: this.journalMaxEntries });
    const journal = new JournalCatchUp(this.engine, this.broker, this.channel);
    if (this.broker.clustered) {
      this.handoff = new ClusterSubscriptionHandoff(this.engine, this.broker, this.channel, this.unacquiredTimeout * 1000, this.logger, journal);
    }
    this.resume = new SubscriptionResume(this.engine, this.broker, this.channel, this.resumeWindowMs, this.logger, journal);
    this.positions = new PositionNotices(
      this.name,
      this.positionIntervalMs,
      () => this.broker.journalPosition(this.channel),
      (client) => this.engine.subscriptions.countOf(client) > 0,
    );
    this.broker.onJournalGap(this.channel, () => this.subscriptionsLost());
    this.broker.onBroadcast(this.channel, (payload, position) => this.engine.route(payload as Delta[], position));
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

  /**
   * Kept deltas are sent before the reply: when the client sees the reply it has them all.
   * With `resume: true` the subscription is resumable, and the reply gives its resume token and position.
   */
  @RpcCommand()
  async acquireSubscription({ token, resume }: AcquireParams, req: RpcRequest): Promise<ResumeReply | null> {
    if (resume !== undefined && typeof resume !== 'boolean') throw new RpcError(ErrorText.InvalidParams);
    this.quota.take(req.client);
    const prefix = resume && typeof token === 'string' ? batchFramePrefix(this.name, token) : undefined;
    const subscription = await this.handoff.acquire(token, req.client, prefix);
    if (!resume) return null;
    let resumeToken: string;
    try {
      resumeToken = await this.resume.register(subscription);
    } catch (err) {
      // Not resumable after all: the client would learn it only when it is too late (after a drop).
      this.engine.cancel(subscription);
      throw err;
    }
    this.positions.add(req.client);
    return { resumeToken, position: this.broker.journalDelivered(this.channel)! };
  }

  /** Acquires a resumable subscription again, after the client's position (docs/protocol-notes.md, "Resume"). */
  @RpcCommand()
  async resumeSubscription({ resumeToken, position }: ResumeParams, req: RpcRequest): Promise<ResumeReply> {
    const from = parsePosition(position);
    if (typeof resumeToken !== 'string' || resumeToken.length === 0 || resumeToken.length > 64 || !from) {
      throw new RpcError(ErrorText.InvalidParams);
    }
    this.quota.take(req.client);
    const reached = await this.resume.resume(resumeToken, from, req.client, (token) => batchFramePrefix(this.name, token));
    this.positions.add(req.client);
    return { position: reached };
  }

  @RpcCommand()
  cancelSubscription({ token }: TokenParams, req: RpcRequest): void {
    const subscription = typeof token === 'string' ? this.engine.subscriptions.get(token) : undefined;
    this.engine.cancelByClient(token, req.client);
    if (subscription) this.resume.forget(subscription);
  }

  override clientDisconnected(client: Client): void {
    this.positions.forget(client);
    this.resume.clientGone(client);
    this.handoff.clientGone(client);
  }

  /** The quota counts what the engine holds, so a subscription cancelled by any path frees its slot. */
  private newQuota(): SubscriptionQuota {
    return new SubscriptionQuota(this.limits.maxSubscriptions, (client) => this.engine.subscriptions.countOf(client as Client));
  }

  /**
   * The journal could not give this node every batch (it started over: Redis lost its data; or the
   * node fell behind past its retention): any subscription here may have missed deltas. Each client
   * is told (`subscriptionLost`, its view is stale: refetch and acquire a new token) and the
   * subscription ends — never a silent gap.
   */
  private subscriptionsLost(): void {
    const lost = [...this.engine.subscriptions.all()];
    for (const subscription of lost) {
      subscription.client?.send(encodeEnvelope(this.name, { type: 'subscriptionLost', token: subscription.token }));
      this.resume.forget(subscription);
      this.engine.cancel(subscription);
    }
    if (lost.length > 0) this.logger.warn(`${lost.length} subscriptions told their views are stale (deltas may have been missed)`);
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
    this.positions?.close();
    this.resume?.close();
    this.handoff.close();
  }
}
