import { Injectable } from '@nestjs/common';
import { SnorkyHealth, SnorkyHealthStatus } from './snorky-health';

/** What @nestjs/terminus expects of an indicator (its HealthIndicatorResult), declared here so Snorky needs no terminus at run time. */
export type SnorkyHealthResult<Key extends string> = Record<
  Key,
  { status: 'up' | 'down' } & Pick<SnorkyHealthStatus, 'listeners' | 'broker' | 'draining'>
>;

/**
 * Snorky for @nestjs/terminus: up while the node's listeners are up, its broker is reachable and it
 * is not draining. Works with terminus 10.1+ (Nest 11, CommonJS) and 12 (Nest 12, ESM) alike, as it
 * imports nothing from it: terminus counts a `down` result as a failed check (HTTP 503).
 *
 *   providers: [SnorkyHealthIndicator]   // beside TerminusModule and SnorkyModule.forRoot(...)
 *   @Get('health') @HealthCheck() check() { return this.health.check([() => this.snorky.isHealthy()]); }
 */
@Injectable()
export class SnorkyHealthIndicator {
  constructor(private readonly health: SnorkyHealth) {}

  isHealthy<const Key extends string = 'snorky'>(key: Key = 'snorky' as Key): SnorkyHealthResult<Key> {
    const { ready, listeners, broker, draining } = this.health.status();
    return { [key]: { status: ready ? 'up' : 'down', listeners, broker, draining } } as SnorkyHealthResult<Key>;
  }
}
