import { isObservable, lastValueFrom } from 'rxjs';
import type { CommandDefinition } from './command-table';
import { answerFailure } from './command-error';
import { bindParams } from './params-binder';
import type { RpcRequest } from './rpc-request';

/** One command, ready to run: binds params, runs the method (and its enhancers), answers the request. */
export type CommandHandler = (request: RpcRequest) => Promise<void>;

/** Builds the handler of one command of `service`; called once per command at start-up. */
export type CommandHandlerFactory = (service: object, definition: CommandDefinition) => CommandHandler;

export type CommandMethod = (...args: unknown[]) => unknown;

export function commandMethod(service: object, definition: CommandDefinition): CommandMethod {
  return (service as Record<string, CommandMethod>)[definition.methodName];
}

/** The method's arguments: (params, request), or (request) for a command declared `(req: RpcRequest)`. */
export function commandArguments(definition: CommandDefinition, params: unknown, request: RpcRequest): unknown[] {
  return definition.params.kind === 'none' && definition.params.requestFirst ? [request] : [params, request];
}

/** What a command returned, awaited: a Promise's value, an Observable's last value (as Nest handlers may return). */
export function resultOf(returned: unknown): unknown {
  return isObservable(returned) ? lastValueFrom(returned, { defaultValue: undefined }) : returned;
}

/** The fast path for a command with no guards, interceptors, pipes or filters: nothing allocated per call but the call. */
export const bareHandler: CommandHandlerFactory = (service, definition) => {
  const method = commandMethod(service, definition);
  return async (request) => {
    try {
      const params = bindParams(definition.params, request.params);
      const result = await resultOf(method.apply(service, commandArguments(definition, params, request)));
      if (!definition.deferred) request.reply(result);
    } catch (err) {
      answerFailure(request, err);
    }
  };
};
