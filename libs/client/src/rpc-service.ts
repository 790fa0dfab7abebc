import { ConnectionLostError, DisconnectedError, RpcCallError } from './errors';
import { Service } from './service';
import type { SignalLike } from './signal';
import type { Snorky } from './snorky';

/** One command of a connector: its named parameters and the `data` of its response. */
export interface CommandSpec {
  params: object;
  result: unknown;
}

/** Commands of a connector by name, e.g. `{ subscribe: { params: { channel: Channel }; result: null } }`. */
export type CommandMap<C = any> = { [K in keyof C]: CommandSpec };

/** Untyped commands: any name, any params, any result. */
export type AnyCommands = Record<string, { params: any; result: any }>;

/** Messages of an RPC service that are neither responses nor errors. */
export interface Notification {
  type: string;
  [field: string]: unknown;
}

/** The methods a connector gets for its commands: `service.subscribe({ channel })`. */
export type CommandMethods<C extends CommandMap<C>> = {
  [K in keyof C & string]: {} extends C[K]['params']
    ? (params?: C[K]['params']) => Promise<C[K]['result']>
    : (params: C[K]['params']) => Promise<C[K]['result']>;
};

interface PendingCall {
  command: string;
  resolve: (value: any) => void;
  reject: (error: Error) => void;
  /** Written to an open socket (not just queued). Only sent calls are lost with the socket. */
  sent: boolean;
}

/**
 * Connector for RPC services: `call(command, params)` sends
 * `{command, params, callId}` (callId counting from 0) and settles with the
 * reply carrying that callId.
 */
export class RpcService<C extends CommandMap<C> = AnyCommands> extends Service {
  /** Messages whose `type` is neither `response` nor `error`. */
  readonly notificationReceived: SignalLike<Notification>;
  private nextCallId = 0;
  private readonly calls = new Map<number, PendingCall>();

  constructor(name: string, snorky: Snorky<any>) {
    super(name, snorky);
    this.notificationReceived = snorky.createSignal<Notification>();
  }

  /**
   * Calls a command. Resolves with the response's `data`; rejects with
   * `RpcCallError` (message = the server's error text), `ConnectionLostError`
   * (socket dropped while waiting) or `DisconnectedError` (`disconnect()`).
   */
  call<K extends keyof C & string>(command: K, params?: C[K]['params']): Promise<C[K]['result']> {
    return new this.snorky.Promise<C[K]['result']>((resolve, reject) => {
      const callId = this.nextCallId++;
      const pending: PendingCall = { command, resolve, reject, sent: false };
      this.calls.set(callId, pending);
      this.sendMessage({ command, params: params ?? {}, callId }, () => {
        pending.sent = true;
      });
    });
  }

  /** Number of calls waiting for a reply (sent or queued). */
  get pendingCalls(): number {
    return this.calls.size;
  }

  protected override onMessage(message: unknown): void {
    if (message === null || typeof message !== 'object' || typeof (message as Notification).type !== 'string') {
      this.snorky.logDebug(`Non-RPC message received from service "${this.name}"`, message);
      return;
    }
    const reply = message as { type: string; callId?: unknown; data?: unknown; message?: unknown };
    if (reply.type === 'response' || reply.type === 'error') {
      const pending = typeof reply.callId === 'number' ? this.calls.get(reply.callId) : undefined;
      if (!pending) {
        this.snorky.logDebug(`Reply for unknown call ${String(reply.callId)} from service "${this.name}"`);
        return;
      }
      this.calls.delete(reply.callId as number);
      if (reply.type === 'response') pending.resolve(reply.data ?? null);
      else pending.reject(new RpcCallError(String(reply.message), this.name, pending.command));
      return;
    }
    this.notificationReceived.dispatch(message as Notification);
    this.onNotification(message as Notification);
  }

  /** Subclass hook for notifications. */
  protected onNotification(_notification: Notification): void {}

  override handleConnectionLost(): void {
    // Calls already on the wire will never be answered on a new socket; queued ones go out after reconnecting.
    for (const [callId, pending] of this.calls) {
      if (!pending.sent) continue;
      this.calls.delete(callId);
      pending.reject(new ConnectionLostError(this.name, pending.command));
    }
  }

  override handleDisconnect(): void {
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const pending of calls) pending.reject(new DisconnectedError(this.name, pending.command));
  }

  /**
   * The original `addRPCMethods`, for JavaScript users: adds a method per
   * command name to this class's prototype. TypeScript users want
   * `rpcConnector<Commands>([...])`, which is typed.
   */
  static addRPCMethods(this: Function, commands: readonly string[]): void {
    addRpcMethods(this, commands);
  }
}

/** Adds `cls.prototype[command] = function (params) { return this.call(command, params) }` per command. */
export function addRpcMethods(cls: Function, commands: readonly string[]): void {
  for (const command of commands) {
    if (command in cls.prototype) {
      throw new Error(`Method "${command}" already exists in the class. Refusing to overwrite it.`);
    }
    Object.defineProperty(cls.prototype, command, {
      configurable: true,
      writable: true,
      value: function (this: RpcService, params?: object) {
        return this.call(command, params ?? {});
      },
    });
  }
}

/** The class `rpcConnector` returns: an `RpcService` with a typed method per command. */
export interface RpcConnectorClass<C extends CommandMap<C>> {
  new (name: string, snorky: Snorky<any>): RpcService<C> & CommandMethods<C>;
  prototype: RpcService<C> & CommandMethods<C>;
  addRPCMethods(commands: readonly string[]): void;
}

/**
 * Declares a connector's commands, typed — the successor of `addRPCMethods`:
 *
 *     type ChatCommands = { send: { params: { text: string }; result: null } };
 *     class Chat extends rpcConnector<ChatCommands>(['send']) {}
 *     snorky.services.chat.send({ text: 'hi' }); // checked by the compiler
 */
export function rpcConnector<C extends CommandMap<C>>(commands: readonly (keyof C & string)[]): RpcConnectorClass<C> {
  class Connector extends RpcService<C> {}
  addRpcMethods(Connector, commands);
  return Connector as unknown as RpcConnectorClass<C>;
}
