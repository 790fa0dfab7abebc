import { RpcCallError } from './errors';
import { restoreEach } from './restore-each';
import { rpcConnector, type Notification } from './rpc-service';
import type { SignalLike } from './signal';
import type { Snorky } from './snorky';
import { stableStringify } from './stable-stringify';

/** A participant name: any JSON value, compared by value. */
export type Participant = unknown;

export type MessagingCommands = {
  registerParticipant: { params: { name: Participant }; result: null };
  unregisterParticipant: { params: { name: Participant }; result: null };
  listParticipants: { params: {}; result: Participant[] };
  send: { params: { sender: Participant; dest: Participant; body: unknown }; result: null };
};

/** What the holder of `dest` receives (PROTOCOL §8). */
export interface MessagingMessage<T = unknown> {
  type: 'message';
  sender: Participant;
  dest: Participant;
  body: T;
}

export interface NamesRestoredEvent {
  restored: Participant[];
  /** Names that could not be registered again: `error.message` is e.g. `Name already registered` (taken meanwhile). */
  lost: { name: Participant; error: Error }[];
}

/**
 * Connector for the Messaging service. Remembers the names it registered and registers them again
 * after a reconnect; a name taken by someone else meanwhile is reported in `namesRestored.lost`.
 */
export class Messaging extends rpcConnector<MessagingCommands>(['registerParticipant', 'unregisterParticipant', 'listParticipants', 'send']) {
  readonly messageReceived: SignalLike<MessagingMessage>;
  readonly namesRestored: SignalLike<NamesRestoredEvent>;
  private readonly names = new Map<string, Participant>();

  constructor(name: string, snorky: Snorky<any>) {
    super(name, snorky);
    this.messageReceived = snorky.createSignal<MessagingMessage>();
    this.namesRestored = snorky.createSignal<NamesRestoredEvent>();
  }

  /** Names this connector holds (registered again after a reconnect). */
  get registeredNames(): Participant[] {
    return [...this.names.values()];
  }

  override call<K extends keyof MessagingCommands & string>(command: K, params?: MessagingCommands[K]['params']): Promise<MessagingCommands[K]['result']> {
    const result = super.call(command, params);
    const name = (params as { name?: Participant } | undefined)?.name;
    if (command === 'registerParticipant') {
      result.then(
        () => this.names.set(stableStringify(name), name),
        () => undefined,
      );
    } else if (command === 'unregisterParticipant') {
      result.then(
        () => this.names.delete(stableStringify(name)),
        (error: unknown) => {
          if (error instanceof RpcCallError) this.names.delete(stableStringify(name));
        },
      );
    }
    return result;
  }

  protected override onNotification(notification: Notification): void {
    if (notification.type === 'message') this.messageReceived.dispatch(notification as unknown as MessagingMessage);
    else this.snorky.logDebug(`Unknown notification type in Messaging service: ${notification.type}`);
  }

  override handleReconnected(): void {
    const names = [...this.names.values()];
    if (names.length === 0) return;
    restoreEach(
      names,
      (name) => super.call('registerParticipant', { name }),
      (name) => this.names.delete(stableStringify(name)),
    ).then(({ restored, failed }) => this.namesRestored.dispatch({ restored, lost: failed.map(({ item, error }) => ({ name: item, error })) }));
  }

  override handleDisconnect(): void {
    super.handleDisconnect();
    this.names.clear();
  }
}
