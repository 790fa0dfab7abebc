import type { Client } from '../client/client';
import { ErrorText } from '../protocol/error-text';
import { parseRpcRequest } from '../protocol/rpc-message';
import { bareHandler, CommandHandler, CommandHandlerFactory } from './command-handler';
import { scanCommands } from './command-table';
import { RpcRequest } from './rpc-request';
import { Service } from './service';
import { dropFrame } from '../registry/drop-frame';

/** A service whose messages are RPC requests dispatched to its `@RpcCommand` methods. */
export abstract class RpcService extends Service {
  private handlers: Map<string, CommandHandler> | undefined;

  /**
   * Builds the command table once, at start-up (the explorer calls it after `attach`, with the Nest
   * pipeline). Duplicate command names throw here, not on the first message.
   */
  prepareCommands(factory: CommandHandlerFactory = bareHandler): void {
    const handlers = new Map<string, CommandHandler>();
    for (const [name, definition] of scanCommands(this)) handlers.set(name, factory(this, definition));
    this.handlers = handlers;
  }

  processMessageFrom(client: Client, message: unknown): Promise<void> | void {
    const parsed = parseRpcRequest(message);
    if (!parsed.ok) {
      dropFrame(`service ${this.name}`, parsed.reason, client);
      return;
    }
    const { command, params, callId } = parsed.request;
    const request = new RpcRequest(client, this.name, command, params, callId);
    // A service used outside SnorkyModule (no explorer) gets the bare table on its first message.
    if (!this.handlers) this.prepareCommands();
    const handler = this.handlers!.get(command);
    if (!handler) return request.error(ErrorText.UnknownCommand);
    return handler(request);
  }

  /** Answers a request that will not run (e.g. `Too many requests`) with `text`, to its callId. */
  override refuseMessageFrom(client: Client, message: unknown, text: string): void {
    const parsed = parseRpcRequest(message);
    if (!parsed.ok) return dropFrame(`service ${this.name}`, parsed.reason, client);
    const { command, params, callId } = parsed.request;
    new RpcRequest(client, this.name, command, params, callId).error(text);
  }
}
