import { performance } from 'perf_hooks';
import type { Client } from '../client/client';
import type { CommandStats, OutcomeIndex } from '../metrics/node-stats';
import { OUTCOME, UNKNOWN_COMMAND } from '../metrics/node-stats';
import { ErrorText } from '../protocol/error-text';
import { parseRpcRequest } from '../protocol/rpc-message';
import { CommandDefinition, scanCommands } from './command-table';
import { bindParams, InvalidParamsError } from './params-binder';
import { RpcError } from './rpc-error';
import { RpcRequest } from './rpc-request';
import { Service, ServiceContext } from './service';
import { dropFrame } from '../registry/drop-frame';
import { BrokerUnavailableError } from '../broker/broker-unavailable.error';

/** A service whose messages are RPC requests dispatched to its `@RpcCommand` methods. */
export abstract class RpcService extends Service {
  private commands: Map<string, CommandDefinition> | undefined;
  /** Pre-bound per-command counters (undefined when metrics are off). */
  private commandStats: Map<string, CommandStats> | undefined;

  override attach(context: ServiceContext): void {
    super.attach(context);
    this.commands = scanCommands(this);
    this.commandStats = this.metrics.commands(this.registry, this.name, this.commands.keys());
  }

  async processMessageFrom(client: Client, message: unknown): Promise<void> {
    const parsed = parseRpcRequest(message);
    if (!parsed.ok) {
      dropFrame(`service ${this.name}`, 'invalid_request', parsed.reason, client, this.metrics);
      return;
    }
    const { command, params, callId } = parsed.request;
    const request = new RpcRequest(client, this.name, command, params, callId);
    this.commands ??= scanCommands(this);
    const definition = this.commands.get(command);
    const stats = this.commandStats?.get(definition ? command : UNKNOWN_COMMAND);
    const started = stats ? performance.now() : 0;
    const outcome = definition ? await this.invoke(definition, request) : (request.error(ErrorText.UnknownCommand), OUTCOME.error);
    stats?.record(outcome, (performance.now() - started) / 1000);
  }

  private async invoke(definition: CommandDefinition, request: RpcRequest): Promise<OutcomeIndex> {
    let args: unknown[];
    try {
      const bound = bindParams(definition.params, request.params);
      args = definition.params.kind === 'none' && definition.params.requestFirst ? [request] : [bound, request];
    } catch (err) {
      if (err instanceof InvalidParamsError) {
        request.error(ErrorText.InvalidParams);
        return OUTCOME.invalid_params;
      }
      throw err;
    }
    try {
      const method = (this as unknown as Record<string, (...a: unknown[]) => unknown>)[definition.methodName];
      const result = await method.apply(this, args);
      if (!definition.deferred) request.reply(result);
      return OUTCOME.ok;
    } catch (err) {
      if (err instanceof RpcError) {
        request.error(err.message);
        return OUTCOME.error;
      }
      if (err instanceof BrokerUnavailableError) {
        this.logger.warn(`${this.name}.${definition.name}: ${err.message}`);
        request.unavailable(err.message);
        return OUTCOME.unavailable;
      }
      this.logger.error(`${this.name}.${definition.name} failed`, err instanceof Error ? err.stack : String(err));
      request.error(ErrorText.InternalError);
      return OUTCOME.internal_error;
    }
  }
}
