import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { SnorkyHealth } from './snorky-health';

/**
 * Snorky for @nestjs/terminus: up while the node's listeners are up, its broker is reachable and it is
 * not draining. Add it to your providers beside TerminusModule and SnorkyModule:
 *
 *   health.check([() => snorky.isHealthy('snorky')])
 */
@Injectable()
export class SnorkyHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly health: SnorkyHealth,
  ) {}

  isHealthy<const Key extends string = 'snorky'>(key: Key = 'snorky' as Key): HealthIndicatorResult<Key> {
    const { ready, listeners, broker, draining } = this.health.status();
    const data = { listeners, broker, draining };
    const session = this.indicators.check(key);
    return ready ? session.up(data) : session.down(data);
  }
}
