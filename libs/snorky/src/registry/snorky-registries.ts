import { Inject, Injectable } from '@nestjs/common';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import { DEFAULT_MAX_FRAME_SIZE, SnorkyModuleOptions } from '../snorky-options';
import type { RegistrySide } from '../rpc/metadata';
import { ServiceRegistry } from './service-registry';
import { SnorkyMetrics } from '../metrics/snorky-metrics';

/** The two registries of a Snorky node: frontend (WebSocket, SockJS) and backend (HTTP). */
@Injectable()
export class SnorkyRegistries {
  readonly frontend: ServiceRegistry;
  readonly backend: ServiceRegistry;

  constructor(@Inject(SNORKY_OPTIONS) options: SnorkyModuleOptions, metrics: SnorkyMetrics) {
    const maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.frontend = new ServiceRegistry('frontend', maxFrameSize, metrics);
    this.backend = new ServiceRegistry('backend', maxFrameSize, metrics);
  }

  of(side: RegistrySide): ServiceRegistry {
    return side === 'frontend' ? this.frontend : this.backend;
  }
}
