import type { SignalLike } from './signal';
import type { Snorky } from './snorky';

/**
 * A connector to one service on the server: the client side of a service
 * name. `Snorky` creates one instance per entry of its services map.
 */
export class Service {
  /** Every message that arrives for this service, unparsed beyond JSON. */
  readonly packetReceived: SignalLike<unknown>;

  constructor(
    readonly name: string,
    readonly snorky: Snorky<any>,
  ) {
    if (typeof name !== 'string' || !snorky) throw new TypeError('Bad arguments for service constructor');
    this.packetReceived = snorky.createSignal<unknown>();
  }

  /** Sends a message to this service; queued while the socket is not open. `onSent` runs when it hits the wire. */
  sendMessage(message: unknown, onSent?: () => void): void {
    this.snorky.sendServiceMessage(this.name, message, onSent);
  }

  /** Called by `Snorky` for each message addressed to this service. */
  handleMessage(message: unknown): void {
    this.packetReceived.dispatch(message);
    this.onMessage(message);
  }

  /** Subclass hook for incoming messages. */
  protected onMessage(_message: unknown): void {}

  /**
   * Lifecycle hooks called by `Snorky`:
   * - `handleConnectionLost`: an open socket closed; a reconnect may follow.
   * - `handleReconnected`: a new socket opened after a lost one; runs before queued messages are flushed.
   * - `handleDisconnect`: `disconnect()` was called; the session is over.
   */
  handleConnectionLost(): void {}
  handleReconnected(): void {}
  handleDisconnect(): void {}
}

/** A connector class, as listed in the services map given to `Snorky`. */
export type ServiceClass<S extends Service = Service> = new (name: string, snorky: Snorky<any>) => S;
