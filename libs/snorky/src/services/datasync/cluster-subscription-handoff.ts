import { Logger } from '@nestjs/common';
import type { Broker } from '../../broker/broker';
import type { JournalPosition } from '../../broker/journal';
import { DataSyncError, DataSyncErrorText } from './datasync-error';
import { DataSyncEngine, newToken } from './datasync-engine';
import { DeltaSink, Subscription } from './subscription';
import { Authorization, SubscriptionHandoff } from './subscription-handoff';
import { JournalCatchUp } from './journal-catch-up';

/** What a token stands for, stored in the broker until it is acquired or expires. */
interface ClaimRecord {
  items: { dealer: string; query: unknown }[];
  /** The last delta batch the authorizing node had routed: everything after it is the client's. */
  epoch: string;
  seq: number;
}

/** An acquisition that finds no token looks once more after this (the authorizing write may be in flight). */
const CLAIM_GRACE_MS = 25;

/**
 * DataSync across the nodes of a cluster (docs/scaling-out.md). Delta batches go to every node as
 * journaled broadcasts, numbered in the one order all nodes see. Authorizing stores the items and
 * the authorizing node's journal position as a claim with the unacquired timeout as TTL; nothing
 * else is kept for the token, by any node. Acquiring on any node:
 *   1. takes the claim (exactly one taker cluster-wide; an expired one is gone);
 *   2. waits, if needed, until this node has routed up to the authorization position;
 *   3. registers the subscription with this node's dealers at its current position P — from here
 *      live batches are routed to it (and kept, as it is not yet acquired);
 *   4. reads the batches after the authorization up to P back from the journal and routes them to
 *      this subscription alone, putting their frames before the kept live ones;
 *   5. attaches the client: every delta since authorization, once, in journal order, then live.
 * Between 3 and 5 JavaScript runs nothing else for this subscription but live routing, whose
 * frames step 4 keeps after the journal's.
 */
export class ClusterSubscriptionHandoff implements SubscriptionHandoff {
  private readonly gone = new WeakSet<DeltaSink>();

  constructor(
    private readonly engine: DataSyncEngine,
    private readonly broker: Broker,
    private readonly channel: string,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly journal: JournalCatchUp,
  ) {}

  authorize(rawItems: unknown): Authorization {
    const items = this.engine.validateItems(rawItems);
    const position = this.broker.inSyncJournalPosition(this.channel);
    const token = newToken();
    const record: ClaimRecord = { items: items.map(({ dealer, query }) => ({ dealer, query })), ...position };
    // The write is on its way to Redis before the token is returned (no offline queue).
    const shared = this.broker.putClaim(this.claimKey(token), JSON.stringify(record), this.timeoutMs).then((stored) => {
      if (!stored) throw new Error('token collision');
    });
    shared.catch((err) => this.logger.warn(`token could not be shared with the cluster: ${(err as Error).message}`));
    return { token, shared };
  }

  async acquire(token: unknown, client: DeltaSink, batchPrefix?: string): Promise<Subscription> {
    if (typeof token !== 'string') throw new DataSyncError(DataSyncErrorText.tokenMustBeString);
    this.broker.inSyncJournalPosition(this.channel);
    const record = await this.takeClaim(token);
    if (!record) throw new DataSyncError(DataSyncErrorText.noSuchSubscription);
    const authorized: JournalPosition = { epoch: record.epoch, seq: record.seq };
    let here = this.broker.inSyncJournalPosition(this.channel);
    if (here.epoch !== authorized.epoch) {
      this.logger.warn('a token from before the journal started over (Redis lost its data) cannot be acquired');
      throw new DataSyncError(DataSyncErrorText.noSuchSubscription);
    }
    if (here.seq < authorized.seq) {
      await this.broker.journalReached(this.channel, authorized);
      here = this.broker.inSyncJournalPosition(this.channel);
    }
    this.engine.authorize(record.items, token);
    const subscription = this.engine.subscriptions.get(token)!;
    try {
      if (!(await this.journal.catchUp(subscription, authorized, here))) {
        this.logger.warn(`deltas for a token are no longer in the journal (batches ${authorized.seq + 1}..${here.seq})`);
        throw new DataSyncError(DataSyncErrorText.noSuchSubscription);
      }
    } catch (err) {
      this.engine.cancel(subscription);
      throw err;
    }
    this.engine.acquire(token, client, batchPrefix);
    // The client left while its subscription was being caught up.
    if (this.gone.has(client)) this.engine.clientGone(client);
    return subscription;
  }

  clientGone(client: DeltaSink): void {
    this.gone.add(client);
    this.engine.clientGone(client);
  }

  close(): void {
    this.engine.close();
  }

  private async takeClaim(token: string): Promise<ClaimRecord | undefined> {
    const key = this.claimKey(token);
    let raw = await this.broker.takeClaim(key);
    if (raw === undefined) {
      await new Promise((resolve) => setTimeout(resolve, CLAIM_GRACE_MS));
      raw = await this.broker.takeClaim(key);
    }
    return raw === undefined ? undefined : (JSON.parse(raw) as ClaimRecord);
  }

  private claimKey(token: string): string {
    return `${this.channel}:${token}`;
  }
}
