import { ForbiddenException, Inject, Injectable, Type } from '@nestjs/common';
import type { CanActivate, NestInterceptor, PipeTransform } from '@nestjs/common';
import { ExternalContextCreator } from '@nestjs/core';
import type { ApplicationConfig } from '@nestjs/core';
import { BaseExceptionFilterContext } from '@nestjs/core/exceptions/base-exception-filter-context.js';
import { GuardsContextCreator } from '@nestjs/core/guards/index.js';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { NestContainer } from '@nestjs/core/injector/container.js';
import { InterceptorsContextCreator } from '@nestjs/core/interceptors/index.js';
import { PipesConsumer, PipesContextCreator } from '@nestjs/core/pipes/index.js';
import { defer, from, isObservable, lastValueFrom, mergeAll, Observable } from 'rxjs';
import { isClosed } from '../client/closed-clients';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import type { SnorkyModuleOptions } from '../snorky-options';
import { answerFailure } from './command-error';
import { bareHandler, commandArguments, CommandHandlerFactory, commandMethod, resultOf } from './command-handler';
import type { CommandDefinition } from './command-table';
import { bindParams } from './params-binder';
import type { RpcRequest } from './rpc-request';

/** `@UseFilters` metadata key (Nest's EXCEPTION_FILTERS_METADATA in @nestjs/common/constants). */
const EXCEPTION_FILTERS_METADATA = '__exceptionFilters__';

interface FilterEntry {
  func: (exception: unknown, host: ExecutionContextHost) => unknown;
  exceptionMetatypes: Array<new (...args: any[]) => unknown>;
}

/** Exception filters of a command: method, then class, then (with `globalEnhancers`) the app's global ones. */
class CommandFiltersContext extends BaseExceptionFilterContext {
  constructor(
    container: NestContainer,
    private readonly config: ApplicationConfig | undefined,
  ) {
    super(container);
  }

  create(instance: object, callback: (...args: unknown[]) => unknown, moduleKey: string | undefined): FilterEntry[] {
    this.moduleContext = moduleKey as string;
    return (this.createContext(instance, callback, EXCEPTION_FILTERS_METADATA) as FilterEntry[]).reverse();
  }

  override getGlobalMetadata<T extends unknown[]>(): T {
    return ((this.config?.getGlobalFilters() ?? []) as unknown) as T;
  }
}

/**
 * Runs `@RpcCommand`s through Nest's pipeline, as `@nestjs/websockets` runs `@SubscribeMessage` handlers:
 * guards, then interceptors around (params binding, pipes, the method), exception filters on failure.
 * Enhancers are resolved once per command at start-up; a command without any gets the bare handler.
 *
 * Execution context: type 'ws'; args are [client, params, request, command], so `switchToWs().getClient()`
 * is the Snorky Client, `getData()` the params, `getPattern()` the command name and `getArgByIndex(2)` the RpcRequest.
 *
 * Global enhancers (useGlobal*, APP_*) follow Nest's rule for gateways: they do not apply, unless the
 * module option `globalEnhancers` is true.
 */
@Injectable()
export class CommandPipeline {
  private readonly guardsContext: GuardsContextCreator;
  private readonly interceptorsContext: InterceptorsContextCreator;
  private readonly pipesContext: PipesContextCreator;
  private readonly filtersContext: CommandFiltersContext;
  private readonly pipesConsumer = new PipesConsumer();

  constructor(externalContextCreator: ExternalContextCreator, @Inject(SNORKY_OPTIONS) options: SnorkyModuleOptions) {
    // ExternalContextCreator is Nest's injectable handle on the container (set by its fromContainer()).
    const container = (externalContextCreator as unknown as { container?: NestContainer }).container;
    if (!container) throw new Error('@snorky/nest: this @nestjs/core has no container on ExternalContextCreator; report your Nest version');
    const config = options.globalEnhancers ? container.applicationConfig : undefined;
    this.guardsContext = new GuardsContextCreator(container, config);
    this.interceptorsContext = new InterceptorsContextCreator(container, config);
    this.pipesContext = new PipesContextCreator(container, config);
    this.filtersContext = new CommandFiltersContext(container, config);
  }

  /** The handler factory for services of the module `moduleKey` (where their enhancers are registered). */
  factoryFor(moduleKey: string | undefined): CommandHandlerFactory {
    return (service, definition) => {
      const callback = commandMethod(service, definition);
      const key = moduleKey as string;
      const guards = this.guardsContext.create(service, callback, key);
      const interceptors = this.interceptorsContext.create(service, callback, key);
      const pipes = definition.params.kind === 'none' ? [] : this.pipesContext.create(service, callback, key);
      const filters = this.filtersContext.create(service, callback, moduleKey);
      if (guards.length + interceptors.length + pipes.length + filters.length === 0) return bareHandler(service, definition);
      return this.enhancedHandler(service, definition, { guards, interceptors, pipes, filters });
    };
  }

  private enhancedHandler(
    service: object,
    definition: CommandDefinition,
    { guards, interceptors, pipes, filters }: { guards: CanActivate[]; interceptors: NestInterceptor[]; pipes: PipeTransform[]; filters: FilterEntry[] },
  ) {
    const callback = commandMethod(service, definition);
    const metatype = definition.params.kind === 'dto' ? definition.params.type : Object;
    const run = (request: RpcRequest) => async () => {
      let params = bindParams(definition.params, request.params);
      if (pipes.length) params = await this.pipesConsumer.applyPipes(params, { metatype, type: 'body', data: undefined }, pipes);
      return resultOf(callback.apply(service, commandArguments(definition, params, request)));
    };
    const constructorRef = service.constructor as Type<unknown>;
    return async (request: RpcRequest): Promise<void> => {
      const args: unknown[] = [request.client, request.params, request, request.command];
      // One context per call, shared by guards and interceptors (Nest's consumers would build one each).
      const context = new ExecutionContextHost(args, constructorRef, callback);
      context.setType('ws');
      try {
        for (const guard of guards) {
          const verdict = guard.canActivate(context);
          if (!(typeof verdict === 'boolean' ? verdict : await (isObservable(verdict) ? lastValueFrom(verdict) : verdict))) {
            throw new ForbiddenException();
          }
        }
        // The connection closed while an async guard decided: nobody to answer, and the command must not run.
        if (guards.length && isClosed(request.client)) return;
        const result = interceptors.length ? await intercept(interceptors, context, run(request)) : await run(request)();
        if (!definition.deferred) request.reply(result);
      } catch (err) {
        await filterFailure(filters, err, args, request);
      }
    };
  }
}

/**
 * Nest's interceptor contract, without InterceptorsConsumer's per-call async-resource binding: each
 * interceptor gets `next.handle()`, an Observable that runs the rest of the chain (and finally the
 * command) only when subscribed; the last value is the result.
 */
function intercept(interceptors: NestInterceptor[], context: ExecutionContextHost, run: () => Promise<unknown>): Promise<unknown> {
  const step = (i: number): Observable<unknown> =>
    i === interceptors.length
      ? defer(run)
      : defer(() => {
          const out = interceptors[i].intercept(context, { handle: () => step(i + 1) });
          return isObservable(out) ? out : from(out).pipe(mergeAll());
        });
  return lastValueFrom(step(0), { defaultValue: undefined });
}

/**
 * The first filter whose `@Catch` matches may answer: a string it returns becomes the error text; it may
 * also resolve the request itself (`host.getArgByIndex(2)`) or throw another exception, which is then mapped.
 */
async function filterFailure(filters: FilterEntry[], err: unknown, args: unknown[], request: RpcRequest): Promise<void> {
  const filter = filters.find((f) => f.exceptionMetatypes.length === 0 || f.exceptionMetatypes.some((type) => err instanceof type));
  if (filter) {
    const host = new ExecutionContextHost(args);
    host.setType('ws');
    try {
      const replacement = await filter.func(err, host);
      if (request.resolved) return;
      if (typeof replacement === 'string') return request.error(replacement);
    } catch (rethrown) {
      err = rethrown;
    }
  }
  answerFailure(request, err);
}
