import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { RequestListener } from 'http';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import type { SnorkyModuleOptions } from '../snorky-options';
import { backendListenerHandler } from './backend-listener';
import { EndpointListeners } from './endpoint-listeners';

export const DEFAULT_BACKEND_PATH = '/backend';

/** Opens the backend's own listener when `backend.port` is set; it serves only the backend path. */
@Injectable()
export class BackendEndpoint implements OnApplicationBootstrap {
  constructor(
    @Inject(SNORKY_OPTIONS) private readonly options: SnorkyModuleOptions,
    private readonly adapterHost: HttpAdapterHost,
    private readonly listeners: EndpointListeners,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const backend = this.options.backend;
    if (!backend || backend.port === undefined) return;
    const app = this.adapterHost.httpAdapter.getInstance() as RequestListener;
    if (typeof app !== 'function') {
      throw new Error('backend.port needs @nestjs/platform-express; on other platforms share the app server');
    }
    await this.listeners.open('backend', backend.port, backend.host ?? '127.0.0.1', backendListenerHandler(backend.path ?? DEFAULT_BACKEND_PATH, app));
  }
}
