import { HttpException, Inject, Injectable, Logger, OnModuleInit, Type, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SnorkyMetrics } from '../metrics/snorky-metrics';
import { RateLimitedLog } from '../logging/rate-limited-log';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import type { SnorkyModuleOptions } from '../snorky-options';
import type { SnorkyAuthenticator, SnorkyHandshake } from './snorky-authenticator';

/** The outcome of a handshake: an identity (undefined = anonymous), or a refused connection. */
export type HandshakeResult = { accepted: true; identity: unknown } | { accepted: false };

const ANONYMOUS: HandshakeResult = { accepted: true, identity: undefined };
const REFUSED: HandshakeResult = { accepted: false };

/**
 * Runs the app's `frontend.authenticator` for every frontend connection, whatever its transport.
 * The class is resolved with DI once, at start-up: the instance of a module that lists it in its
 * providers (it then injects what that module sees), or else one Snorky creates (it then injects
 * global providers).
 */
@Injectable()
export class ConnectionAuthenticator implements OnModuleInit {
  private readonly logger = new Logger('SnorkyAuthenticator');
  private readonly refusals = new RateLimitedLog(this.logger, 'refused connections');
  private authenticator?: SnorkyAuthenticator;

  constructor(
    @Inject(SNORKY_OPTIONS) private readonly options: SnorkyModuleOptions,
    private readonly moduleRef: ModuleRef,
    @Optional() private readonly metrics?: SnorkyMetrics,
  ) {}

  async onModuleInit(): Promise<void> {
    const type = this.options.frontend?.authenticator;
    if (!type) return;
    if (typeof type !== 'function') throw new Error('frontend.authenticator must be a class implementing SnorkyAuthenticator');
    this.authenticator = await this.resolve(type);
    if (typeof this.authenticator?.authenticate !== 'function') {
      throw new Error(`frontend.authenticator ${type.name} has no authenticate(handshake) method`);
    }
    this.logger.log(`frontend connections are authenticated by ${type.name}`);
  }

  /** False when no authenticator is configured: connections are anonymous, nothing waits. */
  get enabled(): boolean {
    return this.authenticator !== undefined;
  }

  async authenticate(handshake: SnorkyHandshake): Promise<HandshakeResult> {
    if (!this.authenticator) return ANONYMOUS;
    try {
      const identity = await this.authenticator.authenticate(handshake);
      return { accepted: true, identity: identity ?? undefined };
    } catch (err) {
      const who = handshake.remoteAddress ?? 'unknown address';
      this.metrics?.countRefusal('authenticator');
      // An HttpException (UnauthorizedException, ForbiddenException) is a decision; anything else may be a bug.
      if (err instanceof HttpException) this.refusals.warn(`refused a connection from ${who}: ${err.message}`);
      else this.refusals.warn(`refused a connection from ${who}: the authenticator failed`, err instanceof Error ? err.stack : String(err));
      return REFUSED;
    }
  }

  private async resolve(type: Type<SnorkyAuthenticator>): Promise<SnorkyAuthenticator> {
    try {
      return this.moduleRef.get(type, { strict: false });
    } catch {
      return this.moduleRef.create(type);
    }
  }
}
