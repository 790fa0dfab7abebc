import type { Logger } from '@nestjs/common';
import type { Broker } from '../../broker/broker';
import type { JournalPosition } from '../../broker/journal';
import { DataSyncError, DataSyncErrorText } from './datasync-error';
import { DataSyncEngine, newToken } from './datasync-engine';
import { JournalCatchUp } from './journal-catch-up';
import type { DeltaSink, Subscription } from './subscription';

/** What a resume token stands for, stored as a claim (memory, or Redis in a cluster). */
interface ResumeRecord {
  token: string;
  items: { dealer: string; query: unknown }[];
}

/** Default `resumeWindow`: how long a subscription can be resumed after its connection is gone. */
export const DEFAULT_RESUME_WINDOW = 300;

/**
 * Resumable DataSync subscriptions (docs/protocol-notes.md, "Resume"). Acquiring with `resume` gives
 * the client a resume token; the record behind it (the subscription's token and items) is a claim
 * that lives `resumeWindow` past the last moment a node held the subscription: the holding node
 * refreshes it, so a node that dies simply stops refreshing. Resuming, on any node, registers the
 * subscription again and sends what the client missed after its position from the journal, once and
 * in order, then live batches — the same catch-up as a cluster acquisition. Single node and cluster
 * take the same path: the broker's journal and claims are memory on one node, Redis in a cluster.
 */
export class SubscriptionResume {
  private readonly held = new Set<Subscription>();
  private readonly gone = new WeakSet<DeltaSink>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly engine: DataSyncEngine,
    private readonly broker: Broker,
    private readonly channel: string,
    private readonly windowMs: number,
    private readonly logger: Logger,
    private readonly journal: JournalCatchUp,
  ) {}

  /** Stores the resume record of an acquired subscription; returns its resume token. */
  async register(subscription: Subscription): Promise<string> {
    const resumeToken = newToken();
    const key = this.key(resumeToken);
    const record: ResumeRecord = { token: subscription.token, items: subscription.items.map(({ dealer, query }) => ({ dealer, query })) };
    if (!(await this.broker.putClaim(key, JSON.stringify(record), this.windowMs))) throw new Error('resume token collision');
    this.hold(subscription, key);
    return resumeToken;
  }

  /**
   * Acquires the subscription behind `resumeToken` for `client`, sending the batches after `position`
   * first. Resolves with the position everything was sent up to. Throws `Cannot resume subscription`
   * when the record expired, the journal started over, or it no longer holds those batches.
   */
  async resume(resumeToken: string, position: JournalPosition, client: DeltaSink, batchPrefix: (token: string) => string): Promise<JournalPosition> {
    const key = this.key(resumeToken);
    const raw = await this.broker.readClaim(key);
    if (raw === undefined) throw this.cannotResume('its resume token is unknown or expired');
    const record = JSON.parse(raw) as ResumeRecord;
    let here = this.broker.inSyncJournalPosition(this.channel);
    if (position.epoch !== here.epoch) throw this.cannotResume('the journal started over since its position');
    if (position.seq > here.seq) {
      if (!this.broker.clustered) throw this.cannotResume('its position is ahead of the journal');
      await this.broker.journalReached(this.channel, position);
      here = this.broker.inSyncJournalPosition(this.channel);
    }
    // The same client (or a stale connection of it) may still hold it on this node: the newest wins.
    const previous = this.engine.subscriptions.get(record.token);
    if (previous) this.engine.cancel(previous);
    this.engine.authorize(record.items, record.token);
    const subscription = this.engine.subscriptions.get(record.token)!;
    try {
      if (!(await this.journal.catchUp(subscription, position, here))) {
        throw this.cannotResume(`batches ${position.seq + 1}..${here.seq} are no longer in the journal`);
      }
    } catch (err) {
      this.engine.cancel(subscription);
      throw err;
    }
    // Cancelled meanwhile: the journal started over (its clients are told), or resumed elsewhere here.
    if (subscription.cancelled) throw this.cannotResume('it was cancelled while being caught up');
    this.engine.acquire(record.token, client, batchPrefix(record.token));
    if (this.gone.has(client)) this.engine.clientGone(client);
    else this.hold(subscription, key);
    return this.broker.journalDelivered(this.channel)!;
  }

  /** Its client cancelled it (or it was lost): the record goes too. */
  forget(subscription: Subscription): void {
    this.held.delete(subscription);
    if (subscription.resumeKey === undefined) return;
    this.broker.dropClaim(subscription.resumeKey).catch((err: Error) => this.logger.warn(`a resume record could not be removed: ${err.message}`));
  }

  clientGone(client: DeltaSink): void {
    this.gone.add(client);
  }

  close(): void {
    clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  private hold(subscription: Subscription, key: string): void {
    subscription.resumeKey = key;
    this.held.add(subscription);
    // A third of the window: a refresh may fail twice (Redis away) before a record expires.
    this.refreshTimer ??= setInterval(() => this.refresh(), Math.max(1000, this.windowMs / 3)).unref();
  }

  /** Extends the records of the subscriptions this node still holds; the others run out. */
  private refresh(): void {
    const keys: string[] = [];
    for (const subscription of this.held) {
      if (subscription.cancelled) this.held.delete(subscription);
      else keys.push(subscription.resumeKey!);
    }
    if (keys.length === 0) return;
    this.broker.refreshClaims(keys, this.windowMs).catch((err: Error) => this.logger.warn(`resume records could not be refreshed: ${err.message}`));
  }

  private cannotResume(why: string): DataSyncError {
    this.logger.debug(`a subscription cannot be resumed: ${why}`);
    return new DataSyncError(DataSyncErrorText.cannotResume);
  }

  private key(resumeToken: string): string {
    return `${this.channel}:resume:${resumeToken}`;
  }
}
