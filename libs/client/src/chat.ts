import { RpcCallError } from './errors';
import { restoreEach } from './restore-each';
import { rpcConnector, type Notification } from './rpc-service';
import type { SignalLike } from './signal';
import type { Snorky } from './snorky';
import { stableStringify } from './stable-stringify';

/** A member is an identity (PROTOCOL §7): any JSON value. */
export type Member = unknown;

export type ChatCommands = {
  join: { params: { channel: unknown }; result: { members: Member[] } };
  leave: { params: { channel: unknown }; result: null };
  send: { params: { channel: unknown; body: unknown }; result: null };
  read: { params: { channel: unknown }; result: null };
};

export interface ChatMessage<T = unknown> {
  type: 'message';
  from: Member;
  channel: unknown;
  body: T;
  timestamp: string;
}

export interface ChatPresence {
  type: 'presence';
  from: Member;
  channel: unknown;
  status: 'joined' | 'left';
  timestamp: string;
}

export interface ChatRead {
  type: 'read';
  channel: unknown;
  timestamp: string;
}

export interface ChannelsRestoredEvent {
  restored: unknown[];
  failed: { channel: unknown; error: Error }[];
}

/**
 * Connector for the Chat service. Keeps the member list of every joined channel live (from `join`'s
 * answer and presence notifications) and joins again after a reconnect.
 */
export class Chat extends rpcConnector<ChatCommands>(['join', 'leave', 'send', 'read']) {
  readonly messageReceived: SignalLike<ChatMessage>;
  /** A member joined or left a joined channel; `members(channel)` is already updated. */
  readonly presenceChanged: SignalLike<ChatPresence>;
  /** Another connection of the same identity read a channel. */
  readonly readReceived: SignalLike<ChatRead>;
  readonly channelsRestored: SignalLike<ChannelsRestoredEvent>;
  private readonly channels = new Map<string, { channel: unknown; members: Map<string, Member> }>();

  constructor(name: string, snorky: Snorky<any>) {
    super(name, snorky);
    this.messageReceived = snorky.createSignal<ChatMessage>();
    this.presenceChanged = snorky.createSignal<ChatPresence>();
    this.readReceived = snorky.createSignal<ChatRead>();
    this.channelsRestored = snorky.createSignal<ChannelsRestoredEvent>();
  }

  /** The original connector's name for `presenceChanged`. */
  get presenceReceived(): SignalLike<ChatPresence> {
    return this.presenceChanged;
  }

  get joinedChannels(): unknown[] {
    return [...this.channels.values()].map((c) => c.channel);
  }

  /** The members of a joined channel now (empty when not joined). */
  members(channel: unknown): Member[] {
    return [...(this.channels.get(stableStringify(channel))?.members.values() ?? [])];
  }

  override call<K extends keyof ChatCommands & string>(command: K, params?: ChatCommands[K]['params']): Promise<ChatCommands[K]['result']> {
    const result = super.call(command, params);
    const channel = (params as { channel?: unknown } | undefined)?.channel;
    if (command === 'join') {
      result.then(
        (joined) => this.remember(channel, (joined as ChatCommands['join']['result']).members),
        () => undefined,
      );
    } else if (command === 'leave') {
      const forget = () => this.channels.delete(stableStringify(channel));
      result.then(forget, (error: unknown) => {
        if (error instanceof RpcCallError) forget();
      });
    }
    return result;
  }

  protected override onNotification(notification: Notification): void {
    switch (notification.type) {
      case 'message':
        return this.messageReceived.dispatch(notification as unknown as ChatMessage);
      case 'presence': {
        const presence = notification as unknown as ChatPresence;
        const members = this.channels.get(stableStringify(presence.channel))?.members;
        if (members && presence.status === 'joined') members.set(stableStringify(presence.from), presence.from);
        if (members && presence.status === 'left') members.delete(stableStringify(presence.from));
        return this.presenceChanged.dispatch(presence);
      }
      case 'read':
        return this.readReceived.dispatch(notification as unknown as ChatRead);
      default:
        this.snorky.logDebug(`Unknown notification type in Chat service: ${notification.type}`);
    }
  }

  override handleReconnected(): void {
    const channels = this.joinedChannels;
    if (channels.length === 0) return;
    restoreEach(
      channels,
      (channel) => super.call('join', { channel }).then((joined) => this.remember(channel, (joined as ChatCommands['join']['result']).members)),
      (channel) => this.channels.delete(stableStringify(channel)),
    ).then(({ restored, failed }) => this.channelsRestored.dispatch({ restored, failed: failed.map(({ item, error }) => ({ channel: item, error })) }));
  }

  override handleDisconnect(): void {
    super.handleDisconnect();
    this.channels.clear();
  }

  private remember(channel: unknown, members: Member[]): void {
    this.channels.set(stableStringify(channel), { channel, members: new Map(members.map((m) => [stableStringify(m), m])) });
  }
}
