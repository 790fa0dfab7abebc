import { Logger } from '@nestjs/common';
import type { Client } from '../client/client';
import { encodeEnvelope } from '../protocol/envelope';
import { ErrorText } from '../protocol/error-text';
import { CallId, errorMessage, responseMessage } from '../protocol/rpc-message';
import { OUTCOME, OutcomeIndex } from '../metrics/node-stats';

const logger = new Logger('RpcRequest');

/** One RPC call. Resolved exactly once; a second attempt is logged as a server bug and sends nothing. */
export class RpcRequest<P = Record<string, unknown>> {
  private resolvedWith: 'reply' | 'error' | undefined;
  /** How it was answered, for `snorky_rpc_requests_total{outcome}` (ok until told otherwise). */
  private answered: OutcomeIndex = OUTCOME.ok;

  constructor(
    readonly client: Client,
    readonly service: string,
    readonly command: string,
    readonly params: P,
    readonly callId: CallId | undefined,
  ) {}

  get resolved(): boolean {
    return this.resolvedWith !== undefined;
  }

  reply(data: unknown = null): void {
    if (this.markResolved('reply')) this.client.send(encodeEnvelope(this.service, responseMessage(this.callId, data)));
  }

  error(text: string): void {
    if (!this.markResolved('error')) return;
    this.answered = text === ErrorText.InvalidParams ? OUTCOME.invalid_params : text === ErrorText.InternalError ? OUTCOME.internal_error : OUTCOME.error;
    this.client.send(encodeEnvelope(this.service, errorMessage(this.callId, text)));
  }

  get outcome(): OutcomeIndex {
    return this.answered;
  }

  /** The command needed the cluster's Redis and it is unreachable (see Client.serviceUnavailable). */
  unavailable(reason: string): void {
    if (!this.markResolved('error')) return;
    this.answered = OUTCOME.unavailable;
    if (this.client.serviceUnavailable) this.client.serviceUnavailable(reason);
    else this.client.send(encodeEnvelope(this.service, errorMessage(this.callId, ErrorText.ServiceUnavailable)));
  }

  private markResolved(how: 'reply' | 'error'): boolean {
    if (this.resolvedWith !== undefined) {
      logger.error(
        `${this.service}.${this.command} (callId ${String(this.callId)}) tried to ${how} after it already ` +
          `sent its ${this.resolvedWith}; nothing was sent`,
        new Error('RPC request resolved twice').stack,
      );
      return false;
    }
    this.resolvedWith = how;
    return true;
  }
}
