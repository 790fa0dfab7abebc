import { BadRequestException, ForbiddenException, Logger, UnauthorizedException } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import { BrokerUnavailableError } from '../broker/broker-unavailable.error';
import { ErrorText } from '../protocol/error-text';
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
  if (err instanceof WsException) {
    const error = err.getError();
    return typeof error === 'string' ? error : err.message;
  }
  return undefined;
}

/** Answers `request` for a failed command, exactly once: the mapped text, or `Internal error` logged with its stack. */
export function answerFailure(request: RpcRequest, err: unknown, logger: Logger): void {
  const where = `${request.service}.${request.command}`;
  if (err instanceof BrokerUnavailableError) {
    logger.warn(`${where}: ${err.message}`);
    return request.unavailable(err.message);
  }
  const text = wireTextOf(err);
  if (text !== undefined && !request.resolved) return request.error(text);
  logger.error(`${where} failed`, err instanceof Error ? err.stack : String(err));
  if (!request.resolved) request.error(ErrorText.InternalError);
}
