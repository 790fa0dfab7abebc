import { CanActivate, ExecutionContext, Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'crypto';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import type { SnorkyModuleOptions } from '../snorky-options';
import { cameThroughBackendListener } from './backend-listener';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * `X-Backend-Key` must equal one of the configured keys (several, so keys can be rotated).
 * Compared as SHA-256 digests with timingSafeEqual, against every key, so neither the key's content
 * nor its length nor which key matched shows in the timing. Missing or wrong: 401, nothing executed.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: Buffer[];
  private readonly ownListener: boolean;

  constructor(@Inject(SNORKY_OPTIONS) options: SnorkyModuleOptions) {
    const backend = options.backend;
    this.keys = backend ? backend.apiKeys.map(digest) : [];
    this.ownListener = !!backend && backend.port !== undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest();
    // An endpoint with its own listener is not served on the app's: 404 as if the route did not exist.
    if (this.keys.length === 0 || (this.ownListener && !cameThroughBackendListener(request))) {
      throw new NotFoundException();
    }
    const header = request.headers['x-backend-key'];
    if (typeof header !== 'string' || header.length === 0) throw new UnauthorizedException('Missing X-Backend-Key');
    const given = digest(header);
    let match = false;
    for (const key of this.keys) match = timingSafeEqual(given, key) || match;
    if (!match) throw new UnauthorizedException('Wrong X-Backend-Key');
    return true;
  }
}
