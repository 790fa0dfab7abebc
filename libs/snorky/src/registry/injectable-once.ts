import { Injectable } from '@nestjs/common';

/** Nest's own watermark (`@nestjs/common/constants` INJECTABLE_WATERMARK), inlined to avoid a deep import. */
const INJECTABLE_WATERMARK = '__injectable__';

/**
 * `@Injectable()` unless the class already has it: our class decorators must not wipe a scope the user
 * declared (`@Injectable({ scope: Scope.REQUEST })` below them), so start-up can refuse it with the reason.
 */
export function InjectableOnce(): ClassDecorator {
  return (target) => {
    if (!Reflect.hasOwnMetadata(INJECTABLE_WATERMARK, target)) Injectable()(target);
  };
}
