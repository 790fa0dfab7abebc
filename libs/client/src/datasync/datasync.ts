import { backoffDelay, resolveReconnectOptions, type ReconnectOptions } from '../backoff';
import { ConnectionLostError, isRefusal, RpcCallError, ServerErrorText } from '../errors';
import { isJournalPosition, notAfter, type JournalPosition } from '../journal-position';
import { rpcConnector, type Notification } from '../rpc-service';
import type { SignalLike } from '../signal';
import type { Snorky } from '../snorky';
import { ArrayCollection } from './array-collection';
import { CollectionDeltaProcessor } from './collection-delta-processor';
import type { Delta, DeltaBatch } from './delta';
import { SingleItemCollection } from './single-item-collection';

/** The reply to `acquireSubscription` with `resume: true`: what it takes to resume the subscription later. */
export interface ResumableSubscription {
  /** A secret for `resumeSubscription`; the subscription keeps its token. */
  resumeToken: string;
  /** Every delta of the subscription up to here was sent before the reply. */
  position: JournalPosition;
}

export type DataSyncCommands = {
  /** Reply: `null` without `resume` (or from a server that cannot resume). */
  acquireSubscription: { params: { token: string; resume?: boolean }; result: ResumableSubscription | null };
  cancelSubscription: { params: { token: string }; result: null };
  /** Called by the connector itself after a reconnect. */
  resumeSubscription: { params: { resumeToken: string; position: JournalPosition }; result: { position: JournalPosition } };
};

export interface SubscriptionLostEvent {
  /** The spent token; the app fetches its data again and acquires a new token. */
  token: string;
  /**
   * `'stale'`: the server may have missed deltas for it; `'notResumable'`: the connection dropped and the
   * subscription cannot be resumed (`resume` off, a server without resume, or its acquire reply was lost);
   * otherwise the server's refusal of `resumeSubscription` (e.g. `Cannot resume subscription`).
   */
  reason: string;
}

export interface SubscriptionResumedEvent {
  /** Resumed after a reconnect: the deltas missed meanwhile were delivered before this. */
  token: string;
}

/** The server's transient refusal: it cannot reach its journal right now. */

type HeldState =
  /** acquireSubscription sent or queued, no reply yet. */
  | 'acquiring'
  /** Acquired (or resumed) on the current connection. */
  | 'active'
  /** resumeSubscription sent, no reply yet. */
  | 'resuming'
  /** resumeSubscription refused with Service unavailable; tried again after a delay. */
  | 'retrying'
  /** The connection dropped; resumed (or reported lost) on the next one. */
  | 'lost';

interface HeldSubscription {
  token: string;
  state: HeldState;
  resumeToken: string | null;
  /** The last position the server said it had sent everything up to, for this subscription. */
  position: JournalPosition | null;
  /** Counts requests and connection losses: a reply to an outdated resume is ignored. */
  attempt: number;
  /** Service unavailable refusals in a row on this connection. */
  refusals: number;
  timer: ReturnType<typeof setTimeout> | null;
}

function isResumableSubscription(reply: unknown): reply is ResumableSubscription {
  if (reply === null || typeof reply !== 'object') return false;
  const { resumeToken, position } = reply as Record<string, unknown>;
  return typeof resumeToken === 'string' && resumeToken.length > 0 && isJournalPosition(position);
}

/**
 * Connector for the DataSync service. Subscriptions are acquired resumable (`resume`, default true):
 * after a reconnect the connector resumes each of them from the last position it saw, and the server
 * sends what was missed. When that is not possible it dispatches `subscriptionLost`, telling the app to
 * refetch and acquire a new token.
 */
export class DataSync extends rpcConnector<DataSyncCommands>(['acquireSubscription', 'cancelSubscription', 'resumeSubscription']) {
  static readonly CollectionDeltaProcessor = CollectionDeltaProcessor;
  static readonly ArrayCollection = ArrayCollection;
  static readonly SingleItemCollection = SingleItemCollection;

  /** A delta for one of the acquired subscriptions (after its batch's `batchReceived`). */
  readonly deltaReceived: SignalLike<Delta>;
  /** The deltas of one transaction, to be applied together; a duplicate is not dispatched. */
  readonly batchReceived: SignalLike<DeltaBatch>;
  /** A subscription is gone and its deltas may be incomplete: refetch and acquire a new token. */
  readonly subscriptionLost: SignalLike<SubscriptionLostEvent>;
  /** A subscription was resumed after a reconnect, nothing missed. */
  readonly subscriptionResumed: SignalLike<SubscriptionResumedEvent>;
  /** Acquire subscriptions resumable (default). `false`: every subscription is lost with the connection, as before. */
  resume = true;
  /** Delays between tries of a resume the server refused with `Service unavailable` (tried while connected). */
  resumeRetry: ReconnectOptions = {};
  private readonly held = new Map<string, HeldSubscription>();
  /** This connection's server refused `resume`: acquire the old way until the next connection. */
  private serverCannotResume = false;

  constructor(name: string, snorky: Snorky<any>) {
    super(name, snorky);
    this.deltaReceived = snorky.createSignal<Delta>();
    this.batchReceived = snorky.createSignal<DeltaBatch>();
    this.subscriptionLost = snorky.createSignal<SubscriptionLostEvent>();
    this.subscriptionResumed = snorky.createSignal<SubscriptionResumedEvent>();
  }

  /** Tokens acquired (or resumed) on the current connection. */
  get activeSubscriptions(): string[] {
    return [...this.held.values()].filter((held) => held.state === 'active').map((held) => held.token);
  }

  override call<K extends keyof DataSyncCommands & string>(command: K, params?: DataSyncCommands[K]['params']): Promise<DataSyncCommands[K]['result']> {
    const token = (params as { token?: unknown } | undefined)?.token;
    if (command === 'acquireSubscription' && typeof token === 'string') {
      return this.acquire(token, params as DataSyncCommands['acquireSubscription']['params']) as Promise<DataSyncCommands[K]['result']>;
    }
    if (command === 'cancelSubscription' && typeof token === 'string') {
      const held = this.held.get(token);
      if (held) this.forget(held);
      // Not on the server's side of this connection (yet): forgetting is the whole cancel; the server drops the resume token in time.
      if (held && (held.state === 'lost' || held.state === 'retrying')) return new this.snorky.Promise<null>((resolve) => resolve(null)) as Promise<DataSyncCommands[K]['result']>;
    }
    return super.call(command, params);
  }

  private acquire(token: string, params: DataSyncCommands['acquireSubscription']['params']): Promise<ResumableSubscription | null> {
    const asResumable = this.resume && params.resume === undefined && !this.serverCannotResume;
    let result = super.call('acquireSubscription', asResumable ? { ...params, resume: true } : params);
    if (asResumable) {
      result = result.then(undefined, (error: unknown) => {
        if (!isRefusal(error, ServerErrorText.invalidParams)) throw error;
        // A server without resume (the original, an older node) refuses the unknown param before spending the token.
        this.serverCannotResume = true;
        return super.call('acquireSubscription', params);
      });
    }
    // A token acquired twice is refused by the server; the subscription already held stays as it is.
    if (this.held.has(token)) return result;
    const held: HeldSubscription = { token, state: 'acquiring', resumeToken: null, position: null, attempt: 0, refusals: 0, timer: null };
    this.held.set(token, held);
    result.then(
      (reply) => {
        if (this.held.get(token) !== held || held.state !== 'acquiring') return;
        if (isResumableSubscription(reply)) {
          held.resumeToken = reply.resumeToken;
          this.advance(held, reply.position);
        }
        held.state = 'active';
      },
      (error: unknown) => {
        if (this.held.get(token) !== held || held.state !== 'acquiring') return;
        // The server may have spent the token before the socket dropped, and we never got the resume token.
        if (error instanceof ConnectionLostError) {
          held.state = 'lost';
          // With $q promises this can run after the reconnect (a restart delay may be 0 ms): report it now then.
          if (this.snorky.isConnected) this.lose(held, 'notResumable');
        } else {
          this.forget(held);
        }
      },
    );
    return result;
  }

  protected override onNotification(notification: Notification): void {
    switch (notification.type) {
      case 'delta':
        return this.dispatchBatch({ deltas: [notification.delta as Delta] });
      case 'deltas':
        return this.onDeltas(notification);
      case 'position':
        return this.onPosition(notification.position);
      case 'subscriptionLost': {
        const held = typeof notification.token === 'string' ? this.held.get(notification.token) : undefined;
        if (held) this.lose(held, 'stale');
        return;
      }
      default:
        this.snorky.logDebug(`Unknown notification type in DataSync service: ${notification.type}`);
    }
  }

  private onDeltas({ token, position, deltas }: Notification): void {
    if (typeof token !== 'string' || !isJournalPosition(position) || !Array.isArray(deltas)) {
      this.snorky.logDebug('Malformed deltas notification in DataSync service');
      return;
    }
    const held = this.held.get(token);
    if (held) {
      // Sent again (a resume overlapping what had arrived): already delivered.
      if (notAfter(position, held.position)) return;
      held.position = position;
    }
    this.dispatchBatch({ token, position, deltas: deltas as Delta[] });
  }

  /** Everything up to `position` was sent for every subscription whose acquire or resume reply has arrived. */
  private onPosition(position: unknown): void {
    if (!isJournalPosition(position)) return;
    for (const held of this.held.values()) {
      if (held.state === 'active' && held.position && held.position.epoch === position.epoch && position.seq > held.position.seq) held.position = position;
    }
  }

  private dispatchBatch(batch: DeltaBatch): void {
    this.batchReceived.dispatch(batch);
    // Each dispatch may be a digest (AngularJS): none when nobody listens per delta.
    if (this.deltaReceived.getNumListeners() === 0) return;
    for (const delta of batch.deltas) this.deltaReceived.dispatch(delta);
  }

  private advance(held: HeldSubscription, position: JournalPosition): void {
    if (!notAfter(position, held.position)) held.position = position;
  }

  private resumeHeld(held: HeldSubscription): void {
    const attempt = ++held.attempt;
    held.state = 'resuming';
    super.call('resumeSubscription', { resumeToken: held.resumeToken!, position: held.position! }).then(
      (reply) => {
        if (this.held.get(held.token) !== held || held.attempt !== attempt) return;
        held.state = 'active';
        held.refusals = 0;
        if (isJournalPosition(reply?.position)) this.advance(held, reply.position);
        this.subscriptionResumed.dispatch({ token: held.token });
      },
      (error: unknown) => {
        if (this.held.get(held.token) !== held || held.attempt !== attempt) return;
        if (isRefusal(error, ServerErrorText.serviceUnavailable)) this.retryLater(held);
        else if (error instanceof RpcCallError) this.lose(held, error.message);
        // A ConnectionLostError was seen to by handleConnectionLost: kept for the next reconnect.
      },
    );
  }

  /** The resume token stays valid on the server: try again while this connection lasts. */
  private retryLater(held: HeldSubscription): void {
    const options = resolveReconnectOptions(this.resumeRetry)!;
    if (held.refusals >= options.maxAttempts) return this.lose(held, ServerErrorText.serviceUnavailable);
    const attempt = held.attempt;
    held.state = 'retrying';
    held.timer = setTimeout(() => {
      held.timer = null;
      if (this.held.get(held.token) === held && held.attempt === attempt && this.snorky.isConnected) this.resumeHeld(held);
    }, backoffDelay(held.refusals++, options));
  }

  private lose(held: HeldSubscription, reason: string): void {
    this.forget(held);
    this.subscriptionLost.dispatch({ token: held.token, reason });
  }

  private forget(held: HeldSubscription): void {
    if (held.timer !== null) clearTimeout(held.timer);
    held.timer = null;
    if (this.held.get(held.token) === held) this.held.delete(held.token);
  }

  override handleConnectionLost(): void {
    for (const held of this.held.values()) {
      if (held.state === 'acquiring') continue; // its call's outcome decides (it may only have been queued)
      if (held.timer !== null) clearTimeout(held.timer);
      held.timer = null;
      held.state = 'lost';
      held.attempt++;
    }
    super.handleConnectionLost();
  }

  override handleReconnected(): void {
    this.serverCannotResume = false;
    const unresumable: HeldSubscription[] = [];
    for (const held of [...this.held.values()]) {
      if (held.state !== 'lost') continue;
      held.refusals = 0;
      if (held.resumeToken !== null && held.position !== null) this.resumeHeld(held);
      else unresumable.push(held);
    }
    for (const held of unresumable) this.lose(held, 'notResumable');
  }

  override handleDisconnect(): void {
    super.handleDisconnect();
    this.serverCannotResume = false;
    for (const held of [...this.held.values()]) this.forget(held);
  }
}
