import { BadRequestException, ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { BrokerUnavailableError } from '../broker/broker-unavailable.error';
import { ErrorText } from '../protocol/error-text';
import { failureLog } from '../logging/failure-log';
import { InvalidParamsError } from './params-binder';
import { RpcError } from './rpc-error';
import type { RpcRequest } from './rpc-request';

/**
 * The wire text for an exception a command (or its guards, interceptors, pipes) raised, or undefined
 * when it is none of the known kinds and must be answered `Internal error` and logged.
 */
export function wireTextOf(err: unknown): string | undefined {
  if (err instanceof RpcError) return err.message;
  if (err instanceof InvalidParamsError || err instanceof BadRequestException) return ErrorText.InvalidParams;
  if (err instanceof ForbiddenException || err instanceof UnauthorizedException) return ErrorText.NotAuthorized;
  if (isWsException(err)) {
    const error = err.getError();
    return typeof error === 'string' ? error : err.message;
  }
  return undefined;
}

/**
 * `WsException` (or a subclass) from `@nestjs/websockets`, recognised by its class name so that
 * Snorky does not depend on that package (the app may not have it).
 */
function isWsException(err: unknown): err is { getError(): unknown; message: string } {
  if (typeof err !== 'object' || err === null || typeof (err as { getError?: unknown }).getError !== 'function') return false;
  for (let p = Object.getPrototypeOf(err); p && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    if (p.constructor?.name === 'WsException') return true;
  }
  return false;
}

/**
 * Answers `request` for a failed command, exactly once: the mapped text, or `Internal error` with the
 * error logged with its stack (rate-limited: a client can trigger it at will).
 */
export function answerFailure(request: RpcRequest, err: unknown): void {
  const where = `${request.service}.${request.command}`;
  if (err instanceof BrokerUnavailableError) {
    failureLog.warn(`${where}: ${err.message}`);
    return request.unavailable(err.message);
  }
  const text = wireTextOf(err);
  if (text !== undefined && !request.resolved) return request.error(text);
  failureLog.error(`${where} failed`, err instanceof Error ? err.stack : String(err));
  if (!request.resolved) request.error(ErrorText.InternalError);
}
