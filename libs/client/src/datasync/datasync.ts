import { ConnectionLostError } from '../errors';
import { rpcConnector, type Notification } from '../rpc-service';
import type { SignalLike } from '../signal';
import type { Snorky } from '../snorky';
import { ArrayCollection } from './array-collection';
import { CollectionDeltaProcessor } from './collection-delta-processor';
import type { Delta } from './delta';
import { SingleItemCollection } from './single-item-collection';

export type DataSyncCommands = {
  acquireSubscription: { params: { token: string }; result: null };
  cancelSubscription: { params: { token: string }; result: null };
};

export interface SubscriptionLostEvent {
  /** The spent token; the app fetches its data again and acquires a new token. */
  token: string;
}

/**
 * Connector for the DataSync service. A subscription token can be acquired
 * only once, so after a reconnect the subscriptions are gone for good: the
 * connector dispatches `subscriptionLost` for each, telling the app to
 * refetch and subscribe again.
 */
export class DataSync extends rpcConnector<DataSyncCommands>(['acquireSubscription', 'cancelSubscription']) {
  static readonly CollectionDeltaProcessor = CollectionDeltaProcessor;
  static readonly ArrayCollection = ArrayCollection;
  static readonly SingleItemCollection = SingleItemCollection;

  /** A delta for one of the acquired subscriptions. */
  readonly deltaReceived: SignalLike<Delta>;
  /** After a reconnect, once per subscription that was active (or being acquired) when the connection dropped. */
  readonly subscriptionLost: SignalLike<SubscriptionLostEvent>;
  private readonly tokens = new Set<string>();
  private readonly lostTokens = new Set<string>();

  constructor(name: string, snorky: Snorky<any>) {
    super(name, snorky);
    this.deltaReceived = snorky.createSignal<Delta>();
    this.subscriptionLost = snorky.createSignal<SubscriptionLostEvent>();
  }

  /** Tokens acquired on the current connection. */
  get activeSubscriptions(): string[] {
    return [...this.tokens];
  }

  override call<K extends keyof DataSyncCommands & string>(command: K, params?: DataSyncCommands[K]['params']): Promise<DataSyncCommands[K]['result']> {
    const token = params?.token;
    const result = super.call(command, params);
    if (command === 'acquireSubscription' && typeof token === 'string') {
      result.then(
        () => this.tokens.add(token),
        (error: unknown) => {
          // The server may have spent the token before the socket dropped: report it lost like the active ones.
          if (error instanceof ConnectionLostError) this.lostTokens.add(token);
        },
      );
    } else if (command === 'cancelSubscription' && typeof token === 'string') {
      this.tokens.delete(token);
      this.lostTokens.delete(token);
    }
    return result;
  }

  protected override onNotification(notification: Notification): void {
    if (notification.type === 'delta') this.deltaReceived.dispatch(notification.delta as Delta);
    else this.snorky.logDebug(`Unknown notification type in DataSync service: ${notification.type}`);
  }

  override handleConnectionLost(): void {
    for (const token of this.tokens) this.lostTokens.add(token);
    this.tokens.clear();
    super.handleConnectionLost();
  }

  override handleReconnected(): void {
    const lost = [...this.lostTokens];
    this.lostTokens.clear();
    for (const token of lost) this.subscriptionLost.dispatch({ token });
  }

  override handleDisconnect(): void {
    super.handleDisconnect();
    this.tokens.clear();
    this.lostTokens.clear();
  }
}
