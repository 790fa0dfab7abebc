import { Global, Injectable, Module, UnauthorizedException } from '@nestjs/common';
import { RpcCommand, RpcRequest, RpcService, SnorkyAuthenticator, SnorkyHandshake, SnorkyService } from '@snorky/nest';

/** A provider the authenticator injects: proves it is resolved with DI. */
@Injectable()
export class UserDirectory {
  private readonly users = new Map<string, { id: number; name: string }>([
    ['ann-session', { id: 1, name: 'ann' }],
    ['bob-key', { id: 2, name: 'bob' }],
    ['cid-token', { id: 3, name: 'cid' }],
  ]);

  find(secret: string | undefined): { id: number; name: string } | undefined {
    return secret === undefined ? undefined : this.users.get(secret);
  }
}

@Global()
@Module({ providers: [UserDirectory], exports: [UserDirectory] })
export class GlobalDirectoryModule {}

/**
 * Finds the user from a `session` cookie, an `x-api-key` header or a `token` query parameter;
 * anonymous when none is given; refuses an unknown secret. `?delay=ms` makes it slow (async).
 */
@Injectable()
export class TestAuthenticator implements SnorkyAuthenticator {
  readonly seen: SnorkyHandshake[] = [];

  constructor(private readonly users: UserDirectory) {}

  async authenticate(handshake: SnorkyHandshake): Promise<unknown> {
    this.seen.push(handshake);
    const delay = Number(handshake.query.delay ?? 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay).unref());
    if (handshake.query.crash) throw new TypeError('authenticator bug');
    const header = handshake.headers['x-api-key'];
    const secret = handshake.cookies.session ?? (typeof header === 'string' ? header : undefined) ?? handshake.query.token;
    if (secret === undefined) return null;
    const user = this.users.find(secret);
    if (!user) throw new UnauthorizedException('unknown secret');
    return user;
  }
}

/** Answers what a connection's `client.identity` is, and keeps the order calls arrived in. */
@SnorkyService('whoami')
export class WhoAmIService extends RpcService {
  @RpcCommand()
  whoami(req: RpcRequest): unknown {
    return req.client.identity ?? null;
  }

  @RpcCommand()
  echo(params: Record<string, unknown>, req: RpcRequest): unknown {
    return { n: params.n, identity: req.client.identity ?? null };
  }
}
