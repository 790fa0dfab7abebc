import { Inject, Optional } from '@nestjs/common';
import { ErrorText } from '../../protocol/error-text';
import { RpcCommand } from '../../rpc/rpc-command.decorator';
import { RpcError } from '../../rpc/rpc-error';
import { RpcRequest } from '../../rpc/rpc-request';
import { RpcService } from '../../rpc/rpc.service';
import { SnorkyService } from '../../rpc/snorky-service.decorator';
import { AuthenticateParams } from './identity.params';
import { IdentityTokens } from './identity-tokens';

export const IDENTITY_OPTIONS = Symbol('IDENTITY_OPTIONS');

/** Default token lifetime, in seconds (PROTOCOL §7). */
export const DEFAULT_IDENTITY_TTL = 3600;

export interface IdentityOptions {
  /** Overrides the `@SnorkyService` name. */
  name?: string;
  /** Seconds a token stays valid when `authorizeIdentity` gives no ttl. Default 3600. */
  ttl?: number;
}

/**
 * The frontend side of the token way to an identity (PROTOCOL §7): the web backend authorizes an
 * identity through `IdentityBackend` and hands the token to the page, which presents it here.
 * `authenticate(token)` sets (or replaces) the connection's `client.identity` and answers it.
 */
@SnorkyService('identity')
export class IdentityService extends RpcService {
  readonly ttl: number;
  private issued?: IdentityTokens;

  constructor(@Optional() @Inject(IDENTITY_OPTIONS) options: IdentityOptions = {}) {
    super();
    if (options.name) this.name = options.name;
    this.ttl = options.ttl ?? DEFAULT_IDENTITY_TTL;
  }

  /** Where tokens live: broker claims, shared by every node of a cluster. */
  get tokens(): IdentityTokens {
    // Created on first use: the broker and the final name are known once the service is attached.
    return (this.issued ??= new IdentityTokens(this.broker, this.name));
  }

  @RpcCommand()
  async authenticate({ token }: AuthenticateParams, req: RpcRequest): Promise<unknown> {
    if (typeof token !== 'string') throw new RpcError(ErrorText.TokenMustBeString);
    const identity = await this.tokens.identityOf(token);
    if (identity === undefined) throw new RpcError(ErrorText.InvalidToken);
    req.client.identity = identity;
    return identity;
  }
}
