import { IsNumber, IsOptional, IsPositive, Max } from 'class-validator';
import { IsJsonValue } from '../../rpc/json-value.decorator';

/** Longest token lifetime, in seconds (about 24 days: what a timer of the in-memory broker can hold). */
export const MAX_IDENTITY_TTL = 2_147_483;

/** `token` is only checked for presence here, so a wrong type gets the protocol's `token must be string`. */
export class AuthenticateParams {
  @IsJsonValue()
  token: unknown;
}

export class AuthorizeIdentityParams {
  /** Any JSON value naming who the token stands for; null is refused (it would mean anonymous). */
  @IsJsonValue()
  identity: unknown;

  /** Seconds the token stays valid; default the service's `ttl` (3600). */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(MAX_IDENTITY_TTL)
  ttl?: number;
}
