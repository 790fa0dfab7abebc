import { RpcCallError } from './errors';
import { restoreEach } from './restore-each';
import { rpcConnector, type Notification } from './rpc-service';
import type { SignalLike } from './signal';
import type { Snorky } from './snorky';
import { stableStringify } from './stable-stringify';

/** A channel is any JSON value, compared by value. */
export type Channel = unknown;

export type PubSubCommands = {
  subscribe: { params: { channel: Channel }; result: null };
  unsubscribe: { params: { channel: Channel }; result: null };
  publish: { params: { channel: Channel; message: unknown }; result: null };
};

/** The notification every subscriber of `channel` receives. */
export interface PubSubMessage<T = unknown> {
  type: 'message';
  channel: Channel;
  message: T;
}

/**
 * Publications on `channel` may have been lost on the server's side (its node lost its Redis
 * subscription: Redis restarted, or dropped a node that fell behind). The subscription is live again;
 * fetch whatever the channel's messages stand for again.
 */
export interface ChannelLostEvent {
  channel: Channel;
}

export interface SubscriptionsRestoredEvent {
  restored: Channel[];
  failed: { channel: Channel; error: Error }[];
}

/**
 * Connector for the PubSub service. Remembers the channels it is subscribed
 * to and subscribes again by itself after a reconnect.
 */
export class PubSub extends rpcConnector<PubSubCommands>(['subscribe', 'unsubscribe', 'publish']) {
  /** A message published on a subscribed channel. */
  readonly messagePublished: SignalLike<PubSubMessage>;
  /** After a reconnect, once every remembered channel was subscribed again (or failed). */
  readonly subscriptionsRestored: SignalLike<SubscriptionsRestoredEvent>;
  /** The server says messages on a subscribed channel may have been lost (the subscription stays). */
  readonly channelLost: SignalLike<ChannelLostEvent>;
  private readonly channels = new Map<string, Channel>();

  constructor(name: string, snorky: Snorky<any>) {
    super(name, snorky);
    this.messagePublished = snorky.createSignal<PubSubMessage>();
    this.subscriptionsRestored = snorky.createSignal<SubscriptionsRestoredEvent>();
    this.channelLost = snorky.createSignal<ChannelLostEvent>();
  }

  /** Channels this connector is subscribed to (restored on reconnect). */
  get subscribedChannels(): Channel[] {
    return [...this.channels.values()];
  }

  override call<K extends keyof PubSubCommands & string>(command: K, params?: PubSubCommands[K]['params']): Promise<PubSubCommands[K]['result']> {
    const channel = (params as { channel?: Channel } | undefined)?.channel;
    const key = stableStringify(channel);
    if (command === 'unsubscribe' && !this.snorky.isConnected && this.channels.has(key)) {
      // Between a lost connection and its restore the server holds nothing: forgetting is the whole unsubscribe.
      this.channels.delete(key);
      return new this.snorky.Promise<null>((resolve) => resolve(null));
    }
    const result = super.call(command, params);
    if (command === 'subscribe') {
      result.then(
        () => this.channels.set(key, channel),
        () => undefined,
      );
    } else if (command === 'unsubscribe') {
      result.then(
        () => this.channels.delete(key),
        (error: unknown) => {
          if (error instanceof RpcCallError) this.channels.delete(key);
        },
      );
    }
    return result;
  }

  protected override onNotification(notification: Notification): void {
    if (notification.type === 'message') this.messagePublished.dispatch(notification as unknown as PubSubMessage);
    else if (notification.type === 'channelLost') this.channelLost.dispatch({ channel: notification.channel });
    else this.snorky.logDebug(`Unknown notification type in PubSub service: ${notification.type}`);
  }

  override handleReconnected(): void {
    const channels = [...this.channels.values()];
    if (channels.length === 0) return;
    restoreEach(
      channels,
      // Already subscribed (the server kept it) counts as restored.
      (channel) =>
        super.call('subscribe', { channel }).then(undefined, (error: unknown) => {
          if (!(error instanceof RpcCallError && error.message === 'Already subscribed')) throw error;
        }),
      (channel) => this.channels.delete(stableStringify(channel)),
    ).then(({ restored, failed }) => this.subscriptionsRestored.dispatch({ restored, failed: failed.map(({ item, error }) => ({ channel: item, error })) }));
  }

  override handleDisconnect(): void {
    super.handleDisconnect();
    this.channels.clear();
  }
}
