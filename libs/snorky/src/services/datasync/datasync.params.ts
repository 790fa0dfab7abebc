import { IsOptional } from 'class-validator';
import { IsJsonValue } from '../../rpc/json-value.decorator';

/**
 * Params are only checked for presence here: their shapes are checked by the service so that the
 * protocol's own texts ("token must be string", "Missing field 'query'", ...) are answered
 * instead of the generic "Invalid params".
 */
export class TokenParams {
  @IsJsonValue()
  token: unknown;
}

export class AuthorizeSubscriptionParams {
  @IsJsonValue()
  items: unknown;
}

export class PublishDeltasParams {
  @IsJsonValue()
  deltas: unknown;

  /** Optional: makes the publication retry-safe (deduplicated by id). Absent in the original connector. */
  @IsOptional()
  @IsJsonValue()
  batchId?: unknown;
}

export class AcquireParams extends TokenParams {
  /** Optional: `true` makes the subscription resumable (docs/protocol-notes.md, "Resume"). */
  @IsOptional()
  @IsJsonValue()
  resume?: unknown;
}

export class ResumeParams {
  @IsJsonValue()
  resumeToken: unknown;

  @IsJsonValue()
  position: unknown;
}
