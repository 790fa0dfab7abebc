import type { Client } from '../client/client';
import { ErrorText } from '../protocol/error-text';
import { parseRpcRequest } from '../protocol/rpc-message';
import { CommandDefinition, scanCommands } from './command-table';
import { bindParams, InvalidParamsError } from './params-binder';
import { RpcError } from './rpc-error';
import { RpcRequest } from './rpc-request';
import { Service } from './service';
import { dropFrame } from '../registry/drop-frame';
import { failureLog } from '../registry/rate-limited-log';
import { BrokerUnavailableError } from '../broker/broker-unavailable.error';

/** A service whose messages are RPC requests dispatched to its `@RpcCommand` methods. */
export abstract class RpcService extends Service {
  private commands: Map<string, CommandDefinition> | undefined;

  async processMessageFrom(client: Client, message: unknown): Promise<void> {
    const parsed = parseRpcRequest(message);
    if (!parsed.ok) {
      dropFrame(`service ${this.name}`, parsed.reason, client);
      return;
    }
    const { command, params, callId } = parsed.request;
    const request = new RpcRequest(client, this.name, command, params, callId);
    this.commands ??= scanCommands(this);
    const definition = this.commands.get(command);
    if (!definition) return request.error(ErrorText.UnknownCommand);
    await this.invoke(definition, request);
  }

  private async invoke(definition: CommandDefinition, request: RpcRequest): Promise<void> {
    let args: unknown[];
    try {
      const bound = bindParams(definition.params, request.params);
      args = definition.params.kind === 'none' && definition.params.requestFirst ? [request] : [bound, request];
    } catch (err) {
      if (err instanceof InvalidParamsError) return request.error(ErrorText.InvalidParams);
      // A validator's bug: still exactly one reply, never a request left waiting.
      return this.failed(definition, request, err);
    }
    try {
      const method = (this as unknown as Record<string, (...a: unknown[]) => unknown>)[definition.methodName];
      const result = await method.apply(this, args);
      if (!definition.deferred) request.reply(result);
    } catch (err) {
      if (err instanceof RpcError) return request.error(err.message);
      if (err instanceof BrokerUnavailableError) {
        failureLog.warn(`${this.name}.${definition.name}: ${err.message}`);
        return request.unavailable(err.message);
      }
      this.failed(definition, request, err);
    }
  }

  /** Answers `Internal error`; the real error is logged (rate-limited: a client can trigger it at will). */
  private failed(definition: CommandDefinition, request: RpcRequest, err: unknown): void {
    failureLog.error(`${this.name}.${definition.name} failed`, err instanceof Error ? err.stack : String(err));
    request.error(ErrorText.InternalError);
  }
}
