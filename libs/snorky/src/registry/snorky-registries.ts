import { Inject, Injectable } from '@nestjs/common';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import { DEFAULT_MAX_FRAME_SIZE, type SnorkyModuleOptions } from '../snorky-options';
import type { RegistrySide } from '../rpc/metadata';
import { DEFAULT_MAX_JSON_DEPTH } from '../protocol/json-value';
import { ServiceRegistry } from './service-registry';
import { resolveLimits } from '../limits/resolved-limits';
import { SnorkyMetrics } from '../metrics/snorky-metrics';

/** The two registries of a Snorky node: frontend (WebSocket, SockJS) and backend (HTTP). */
@Injectable()
export class SnorkyRegistries {
  readonly frontend: ServiceRegistry;
  readonly backend: ServiceRegistry;

  constructor(@Inject(SNORKY_OPTIONS) options: SnorkyModuleOptions, metrics: SnorkyMetrics) {
    const maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    const maxJsonDepth = options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
    const limits = resolveLimits(options);
    this.frontend = new ServiceRegistry('frontend', maxFrameSize, maxJsonDepth, { perSecond: limits.maxRequestsPerSecond, burst: limits.requestBurst }, metrics);
    this.backend = new ServiceRegistry('backend', maxFrameSize, maxJsonDepth, undefined, metrics);
  }

  of(side: RegistrySide): ServiceRegistry {
    return side === 'frontend' ? this.frontend : this.backend;
  }
}
