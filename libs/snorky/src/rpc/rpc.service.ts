import { performance } from 'perf_hooks';
import type { Client } from '../client/client';
import type { CommandStats } from '../metrics/node-stats';
import { OUTCOME, UNKNOWN_COMMAND } from '../metrics/node-stats';
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
  /** Pre-bound per-command counters, `_unknown` included (undefined when metrics are off). */
  private commandStats: Map<string, CommandStats> | undefined;

  /**
   * Builds the command table once, at start-up (the explorer calls it after `attach`, with the Nest
   * pipeline). Duplicate command names throw here, not on the first message.
   */
  prepareCommands(factory: CommandHandlerFactory = bareHandler): void {
    const handlers = new Map<string, CommandHandler>();
    const table = scanCommands(this);
    // Label values only from the registered commands (this.metrics is unset outside SnorkyModule).
    this.commandStats ??= this.metrics?.commands(this.registry, this.name, table.keys());
    for (const [name, definition] of table) {
      const handler = factory(this, definition);
      const stats = this.commandStats?.get(name);
      handlers.set(name, stats ? timed(handler, stats) : handler);
    }
    this.handlers = handlers;
  }

  processMessageFrom(client: Client, message: unknown): Promise<void> | void {
    const parsed = parseRpcRequest(message);
    if (!parsed.ok) {
      dropFrame(`service ${this.name}`, 'invalid_request', parsed.reason, client, this.metrics);
      return;
    }
    const { command, params, callId } = parsed.request;
    const request = new RpcRequest(client, this.name, command, params, callId);
    // A service used outside SnorkyModule (no explorer) gets the bare table on its first message.
    if (!this.handlers) this.prepareCommands();
    const handler = this.handlers!.get(command);
    if (!handler) {
      request.error(ErrorText.UnknownCommand);
      this.commandStats?.get(UNKNOWN_COMMAND)!.record(OUTCOME.error, 0);
      return;
    }
    return handler(request);
  }

  /** Answers a request that will not run (e.g. `Too many requests`) with `text`, to its callId. */
  override refuseMessageFrom(client: Client, message: unknown, text: string): void {
    const parsed = parseRpcRequest(message);
    if (!parsed.ok) return dropFrame(`service ${this.name}`, 'invalid_request', parsed.reason, client, this.metrics);
    const { command, params, callId } = parsed.request;
    new RpcRequest(client, this.name, command, params, callId).error(text);
  }
}

/** Times a command and counts its outcome, read from how its request was answered. */
function timed(handler: CommandHandler, stats: CommandStats): CommandHandler {
  return async (request) => {
    const started = performance.now();
    await handler(request);
    stats.record(request.outcome, (performance.now() - started) / 1000);
  };
}
