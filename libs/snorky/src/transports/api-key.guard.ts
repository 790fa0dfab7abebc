import { CanActivate, ExecutionContext, Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import { SnorkyModuleOptions } from '../snorky-options';
import { ApiKeys } from './api-keys';
import { cameThroughBackendListener } from './backend-listener';

/** `X-Backend-Key` must equal one of the configured keys (constant time). Missing or wrong: 401, nothing executed. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ApiKeys;
  private readonly ownListener: boolean;

  constructor(@Inject(SNORKY_OPTIONS) options: SnorkyModuleOptions) {
    const backend = options.backend;
    this.keys = new ApiKeys(backend ? backend.apiKeys : []);
    this.ownListener = !!backend && backend.port !== undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest();
    // An endpoint with its own listener is not served on the app's: 404 as if the route did not exist.
    if (this.keys.empty || (this.ownListener && !cameThroughBackendListener(request))) {
      throw new NotFoundException();
    }
    const header = request.headers['x-backend-key'];
    if (typeof header !== 'string' || header.length === 0) throw new UnauthorizedException('Missing X-Backend-Key');
    if (!this.keys.matches(header)) throw new UnauthorizedException('Wrong X-Backend-Key');
    return true;
  }
}
