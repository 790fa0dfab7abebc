import { Inject, Optional } from '@nestjs/common';
import { ErrorText } from '../../protocol/error-text';
import { RpcCommand } from '../../rpc/rpc-command.decorator';
import { RpcError } from '../../rpc/rpc-error';
import { RpcService } from '../../rpc/rpc.service';
import { SnorkyService } from '../../rpc/snorky-service.decorator';
import { AuthorizeIdentityParams } from './identity.params';
import { IdentityService } from './identity.service';

export const IDENTITY_BACKEND_OPTIONS = Symbol('IDENTITY_BACKEND_OPTIONS');

/**
 * The backend side of the token way (PROTOCOL §7), on the backend HTTP endpoint only: the web
 * application (Django, Rails, a Node backend) vouches for who a page's user is and gets a token.
 */
@SnorkyService('identity_backend', { registry: 'backend' })
export class IdentityBackend extends RpcService {
  constructor(
    readonly identityService: IdentityService,
    @Optional() @Inject(IDENTITY_BACKEND_OPTIONS) options: { name?: string } = {},
  ) {
    super();
    if (options.name) this.name = options.name;
  }

  /** A token (192 random bits) valid `ttl` seconds (default the identity service's, 3600). */
  @RpcCommand()
  authorizeIdentity({ identity, ttl }: AuthorizeIdentityParams): Promise<string> {
    // null would mean anonymous: a token for nobody is a mistake of the caller.
    if (identity === null) throw new RpcError(ErrorText.InvalidParams);
    return this.identityService.tokens.issue(identity, ttl ?? this.identityService.ttl);
  }
}
