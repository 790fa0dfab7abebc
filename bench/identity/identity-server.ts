/**
 * The server side of bench:identity, in its own process: a Nest app with SnorkyModule and the seed's
 * calculator, with (`--authenticator`) or without an authenticator. Prints "listening on <ws url>".
 */
import { Injectable, Module, UnauthorizedException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'net';
import { SnorkyAuthenticator, SnorkyHandshake, SnorkyModule } from '@snorky/nest';
import { CalculatorService } from '../../test/core/examples/calculator.service';
import { UNLIMITED } from '../bench-limits';

/** What a real one does: look the session cookie up (asynchronously), or refuse. */
@Injectable()
class SessionAuthenticator implements SnorkyAuthenticator {
  private readonly sessions = new Map([['bench-session', { id: 1, name: 'bench' }]]);

  async authenticate({ cookies }: SnorkyHandshake): Promise<unknown> {
    await Promise.resolve();
    const user = this.sessions.get(cookies.session ?? '');
    if (!user) throw new UnauthorizedException();
    return user;
  }
}

async function main(): Promise<void> {
  const withAuthenticator = process.argv.includes('--authenticator');
  @Module({
    imports: [
      SnorkyModule.forRoot({
        frontend: { path: '/ws', pingInterval: 0, ...(withAuthenticator ? { authenticator: SessionAuthenticator } : {}) },
        backend: false,
        ...UNLIMITED,
      }),
    ],
    providers: [CalculatorService, SessionAuthenticator],
  })
  class BenchModule {}
  const app = await NestFactory.create(BenchModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  console.log(`listening on ws://127.0.0.1:${port}/ws`);
}

void main();
