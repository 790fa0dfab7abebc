import { backoffDelay, resolveReconnectOptions, type ReconnectOptions } from './backoff';
import { ConnectionLostError, isRefusal, RpcCallError, ServerErrorText } from './errors';
import { isJournalPosition, notAfter, type JournalPosition } from './journal-position';
import { restoreEach } from './restore-each';
import { rpcConnector, type Notification } from './rpc-service';
import type { SignalLike } from './signal';
import type { Snorky } from './snorky';
import { stableStringify } from './stable-stringify';

/** A channel is any JSON value, compared by value. */
export type Channel = unknown;

/** The reply to `subscribe` on a journaled service when asked to resume: everything of the channel up to `position` was sent. */
export interface ChannelSubscription {
  position: JournalPosition;
}

export type PubSubCommands = {
  /** `position`/`resume` (added by the connector, see `PubSub.resume`): journaled services reply a `ChannelSubscription`, others `null`. */
  subscribe: { params: { channel: Channel; position?: JournalPosition; resume?: boolean }; result: ChannelSubscription | null };
  unsubscribe: { params: { channel: Channel }; result: null };
  publish: { params: { channel: Channel; message: unknown }; result: null };
};

/** The notification every subscriber of `channel` receives. */
export interface PubSubMessage<T = unknown> {
  type: 'message';
  channel: Channel;
  message: T;
  /** The publication's place in the service's journal (journaled services only). */
  position?: JournalPosition;
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
 * to and subscribes again by itself after a reconnect. On a journaled service it also remembers the
 * last position received per channel and resubscribes from it, so the server sends what was published
 * meanwhile (or `channelLost` when it no longer can).
 */
export class PubSub extends rpcConnector<PubSubCommands>(['subscribe', 'unsubscribe', 'publish']) {
  /** A message published on a subscribed channel. */
  readonly messagePublished: SignalLike<PubSubMessage>;
  /** After a reconnect, once every remembered channel was subscribed again (or failed). */
  readonly subscriptionsRestored: SignalLike<SubscriptionsRestoredEvent>;
  /** The server says messages on a subscribed channel may have been lost (the subscription stays). */
  readonly channelLost: SignalLike<ChannelLostEvent>;
  /**
   * Subscribe with `resume: true` (default) so journaled services reply the channel's position and
   * a reconnect resumes. false: the original behaviour (what was published while away is missed).
   */
  resume = true;
  private readonly channels = new Map<string, Channel>();
  /** Per channel key: the last journal position received (message frames, subscribe replies, `position` notifications). */
  private readonly positions = new Map<string, JournalPosition>();
  /**
   * Channel keys whose subscribe (first, or restore after a reconnect) awaits its reply: their message
   * positions count already, a `position` notification does not (their catch-up may be under way).
   */
  private readonly subscribing = new Set<string>();
  /**
   * How a channel's restore after a reconnect is retried while the server answers `Service
   * unavailable` (a cluster node cut off from Redis): the `reconnect` options' shape and defaults.
   * The channel is given up (reported in `subscriptionsRestored.failed`) only after `maxAttempts`.
   */
  restoreRetry: ReconnectOptions = {};
  /** Counts lost connections: a restore retry of an older connection stops (the new one restores). */
  private connection = 0;
  /** The server refused the `resume` param (the original Snorky): subscribe the old way from now on. */
  private serverCannotResume = false;

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
    const plain = params;
    const addsResume = command === 'subscribe' && this.resume && !this.serverCannotResume && !!params && (params as { resume?: boolean }).resume === undefined;
    if (addsResume) params = { ...params, resume: true } as PubSubCommands[K]['params'];
    const first = command === 'subscribe' && !this.channels.has(key) && !this.subscribing.has(key);
    if (first) this.subscribing.add(key);
    let result = super.call(command, params);
    if (addsResume) {
      // A server without resume (the original Snorky) refuses the unknown param: subscribe without it,
      // and keep to that once the plain request is accepted.
      result = result.then(undefined, (error: unknown) => {
        if (!isRefusal(error, ServerErrorText.invalidParams)) throw error;
        return super.call(command, plain).then((reply) => {
          this.serverCannotResume = true;
          return reply;
        });
      });
    }
    if (command === 'subscribe') {
      result.then(
        (reply) => {
          if (first) this.subscribing.delete(key);
          this.channels.set(key, channel);
          this.advance(key, (reply as ChannelSubscription | null)?.position);
        },
        () => {
          if (first) this.subscribing.delete(key);
          if (!this.channels.has(key)) this.positions.delete(key);
        },
      );
    } else if (command === 'unsubscribe') {
      result.then(
        () => this.forget(key),
        (error: unknown) => {
          if (error instanceof RpcCallError) this.forget(key);
        },
      );
    }
    return result;
  }

  /** The last journal position received on `channel` (undefined on a best-effort service). */
  positionOf(channel: Channel): JournalPosition | undefined {
    return this.positions.get(stableStringify(channel));
  }

  protected override onNotification(notification: Notification): void {
    if (notification.type === 'message') {
      const key = stableStringify(notification.channel);
      const position = notification.position;
      if (isJournalPosition(position) && (this.channels.has(key) || this.subscribing.has(key))) {
        // Already received (the server sends each once; a resume must not replay one).
        if (notAfter(position, this.positions.get(key))) return;
        this.positions.set(key, position);
      }
      this.messagePublished.dispatch(notification as unknown as PubSubMessage);
    } else if (notification.type === 'channelLost') this.channelLost.dispatch({ channel: notification.channel });
    else if (notification.type === 'position') {
      // Every channel whose subscribe reply came has been sent everything up to it.
      if (!isJournalPosition(notification.position)) return;
      for (const key of this.channels.keys()) if (this.positions.has(key) && !this.subscribing.has(key)) this.advance(key, notification.position);
    } else this.snorky.logDebug(`Unknown notification type in PubSub service: ${notification.type}`);
  }

  override handleReconnected(): void {
    const channels = [...this.channels.entries()];
    if (channels.length === 0) return;
    restoreEach(
      channels,
      // Already subscribed (the server kept it) counts as restored.
      ([key, channel]) => {
        const position = this.resume ? this.positions.get(key) : undefined;
        const resume = this.resume && !this.serverCannotResume;
        const params = resume && position ? { channel, position } : resume ? { channel, resume: true } : { channel };
        this.subscribing.add(key);
        return this.subscribeRetrying(params).then(
          (reply) => {
            this.subscribing.delete(key);
            this.advance(key, reply?.position);
          },
          (error: unknown) => {
            this.subscribing.delete(key);
            if (!isRefusal(error, ServerErrorText.alreadySubscribed)) throw error;
          },
        );
      },
      ([key]) => this.forget(key),
    ).then(({ restored, failed }) =>
      this.subscriptionsRestored.dispatch({ restored: restored.map(([, channel]) => channel), failed: failed.map(({ item, error }) => ({ channel: item[1], error })) }),
    );
  }

  override handleConnectionLost(): void {
    this.connection++;
    super.handleConnectionLost();
  }

  /** `subscribe`, tried again with backoff while the server answers `Service unavailable` on this connection. */
  private subscribeRetrying(params: PubSubCommands['subscribe']['params'], refusals = 0): Promise<ChannelSubscription | null> {
    const connection = this.connection;
    return super.call('subscribe', params).then(undefined, (error: unknown) => {
      const options = resolveReconnectOptions(this.restoreRetry)!;
      if (!isRefusal(error, ServerErrorText.serviceUnavailable) || refusals + 1 >= options.maxAttempts) throw error;
      return new this.snorky.Promise<void>((resolve) => setTimeout(resolve, backoffDelay(refusals, options))).then(() => {
        if (connection !== this.connection) throw new ConnectionLostError(this.name, 'subscribe');
        return this.subscribeRetrying(params, refusals + 1);
      });
    }) as Promise<ChannelSubscription | null>;
  }

  override handleDisconnect(): void {
    super.handleDisconnect();
    this.connection++;
    this.serverCannotResume = false;
    this.channels.clear();
    this.positions.clear();
    this.subscribing.clear();
  }

  private forget(key: string): void {
    this.channels.delete(key);
    this.positions.delete(key);
  }

  /** A later position of the channel (a position of another epoch replaces it: the journal started over). */
  private advance(key: string, position: unknown): void {
    if (!isJournalPosition(position)) return;
    const last = this.positions.get(key);
    if (last && last.epoch === position.epoch && position.seq <= last.seq) return;
    this.positions.set(key, { epoch: position.epoch, seq: position.seq });
  }
}
