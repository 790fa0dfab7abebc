import {
  ArgumentsHost,
  BadRequestException,
  CallHandler,
  CanActivate,
  Catch,
  ExceptionFilter,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  NestInterceptor,
  PipeTransform,
  SetMetadata,
  UnauthorizedException,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { WsException } from '@nestjs/websockets';
import { IsNumber } from 'class-validator';
import { map } from 'rxjs';
import { Client, RpcCommand, RpcError, RpcRequest, RpcService, SnorkyService } from '@snorky/nest';

/** What the enhancers saw, so tests can assert on the execution context. */
export const seen: Array<Record<string, unknown>> = [];
export const ran: string[] = [];

export class SumParams {
  @IsNumber()
  a: number;

  @IsNumber()
  b: number;
}

/** Allows a call only when params carry `allow: true` — or, for `@Roles('admin')` commands, the client's identity is admin. */
@Injectable()
export class ParamsGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const ws = context.switchToWs();
    const client = ws.getClient<Client>();
    const request = context.getArgByIndex<RpcRequest>(2);
    seen.push({
      type: context.getType(),
      transport: client.transport,
      clientId: client.id,
      data: ws.getData(),
      pattern: ws.getPattern(),
      requestCommand: request.command,
      handler: context.getHandler().name,
      class: context.getClass().name,
    });
    await new Promise((resolve) => setTimeout(resolve, 5)); // an async guard: the command waits for it
    const role = this.reflector.get<string>('role', context.getHandler());
    if (role) return (client.identity as { role?: string } | undefined)?.role === role;
    return ws.getData<{ allow?: boolean }>().allow === true;
  }
}

@Injectable()
export class UnauthorizedGuard implements CanActivate {
  canActivate(): boolean {
    throw new UnauthorizedException();
  }
}

/** Wraps results as `{ wrapped: result }`. */
@Injectable()
export class WrapInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler) {
    seen.push({ interceptorType: context.getType(), pattern: context.switchToWs().getPattern() });
    return next.handle().pipe(map((result) => ({ wrapped: result })));
  }
}

/** Doubles `a` (after the DTO is validated) and refuses negatives as a BadRequestException. */
@Injectable()
export class DoubleAPipe implements PipeTransform {
  transform(value: SumParams, metadata: { metatype?: unknown; type: string }) {
    seen.push({ pipeType: metadata.type, metatype: (metadata.metatype as { name?: string })?.name, isDto: value instanceof SumParams });
    if (value.a < 0) throw new BadRequestException('negative');
    return Object.assign(value, { a: value.a * 2 });
  }
}

export class TeapotError extends Error {}

@Catch(TeapotError)
export class TeapotFilter implements ExceptionFilter {
  catch(exception: TeapotError, host: ArgumentsHost): string {
    return `I am a teapot (${host.switchToWs().getPattern()}): ${exception.message}`;
  }
}

export const Roles = (role: string) => SetMetadata('role', role);

@SnorkyService('guarded')
export class GuardedService extends RpcService {
  @RpcCommand()
  @UseGuards(ParamsGuard)
  secret(_params: { allow?: boolean }): string {
    ran.push('secret');
    return 'the secret';
  }

  @RpcCommand()
  @UseGuards(ParamsGuard)
  @Roles('admin')
  adminOnly(): string {
    ran.push('adminOnly');
    return 'admin';
  }

  @RpcCommand()
  @UseGuards(UnauthorizedGuard)
  never(): string {
    ran.push('never');
    return 'never';
  }

  @RpcCommand()
  @UseInterceptors(WrapInterceptor)
  wrapped({ a, b }: SumParams): number {
    return a + b;
  }

  @RpcCommand()
  @UsePipes(DoubleAPipe)
  piped({ a, b }: SumParams): number {
    return a + b;
  }

  @RpcCommand()
  plain({ a, b }: SumParams): number {
    return a + b;
  }

  @RpcCommand()
  @UseFilters(TeapotFilter)
  teapot(): never {
    throw new TeapotError('short and stout');
  }

  @RpcCommand()
  @UseFilters(TeapotFilter)
  notATeapot(): never {
    throw new Error('a filter that does not match leaves the default mapping');
  }

  @RpcCommand()
  throws({ kind }: { kind: string }): never {
    if (kind === 'rpc') throw new RpcError('Out of stock');
    if (kind === 'ws') throw new WsException('Room is full');
    if (kind === 'forbidden') throw new ForbiddenException('no');
    if (kind === 'unauthorized') throw new UnauthorizedException();
    if (kind === 'badRequest') throw new BadRequestException('bad');
    throw new Error('boom');
  }
}

/** Upper-cases a `text` param (a class-level pipe). */
@Injectable()
export class UppercaseTextPipe implements PipeTransform {
  transform(value: { text?: unknown }) {
    return typeof value.text === 'string' ? { ...value, text: value.text.toUpperCase() } : value;
  }
}

/** Class-level enhancers apply to every command of the service. */
@SnorkyService('classLevel')
@UseGuards(ParamsGuard)
@UseInterceptors(WrapInterceptor)
@UsePipes(UppercaseTextPipe)
@UseFilters(TeapotFilter)
export class ClassLevelService extends RpcService {
  @RpcCommand()
  echo(params: { allow?: boolean; text?: string }): unknown {
    if (params.text === 'TEAPOT') throw new TeapotError('class filter');
    return params.text ?? null;
  }
}

/** A service with no enhancers at all: keeps the bare path, and is what global enhancers reach. */
@SnorkyService('bare')
export class BareService extends RpcService {
  @RpcCommand()
  sum({ a, b }: SumParams): number {
    return a + b;
  }

  @RpcCommand()
  add(params: { a: number; b: number; allow?: boolean }): number {
    return params.a + params.b;
  }

  @RpcCommand()
  teapot(_params: { allow?: boolean }): never {
    throw new TeapotError('global filter');
  }
}
