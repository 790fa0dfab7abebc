import { CallHandler, CanActivate, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';

/** The guard both Nest servers put on the guarded `sum`: a cheap check of the context, as an auth guard's first line. */
@Injectable()
export class BenchGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToWs().getClient() != null;
  }
}

/** The interceptor both Nest servers put on the guarded `sum`: passes the result through an rxjs chain. */
@Injectable()
export class BenchInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler) {
    return next.handle();
  }
}
