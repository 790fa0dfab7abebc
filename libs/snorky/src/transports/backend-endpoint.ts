import { Inject, Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'http';
import { SnorkyRegistries } from '../registry/snorky-registries';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import { DEFAULT_MAX_FRAME_SIZE } from '../snorky-options';
import type { SnorkyModuleOptions } from '../snorky-options';
import { BackendHttpHandler } from './backend-http';
import { DrainState } from './drain-state';
import { EndpointListeners, notFound } from './endpoint-listeners';
import { interceptServerEvent } from './intercept-requests';
import { SnorkyMetrics } from '../metrics/snorky-metrics';
import { operationsServed } from '../operations/admin-feed';
import { OperationsEndpoint } from '../operations/operations-endpoint';

export const DEFAULT_BACKEND_PATH = '/backend';

/** The path `forRootAsync({ backendPath })` gave, for apps that still pass it there. */
export const SNORKY_BACKEND_PATH = Symbol('SNORKY_BACKEND_PATH');

/**
 * Serves the backend endpoint: on its own listener when `backend.port` is set, otherwise in front of
 * the app's HTTP server (Express or Fastify) — before the app's framework sees the request, so no global
 * prefix, middleware or global enhancer applies to it. Installed at bootstrap, before the app listens.
 */
@Injectable()
export class BackendEndpoint implements OnApplicationBootstrap {
  constructor(
    @Inject(SNORKY_OPTIONS) private readonly options: SnorkyModuleOptions,
    private readonly registries: SnorkyRegistries,
    private readonly adapterHost: HttpAdapterHost,
    private readonly listeners: EndpointListeners,
    private readonly drain: DrainState,
    private readonly metrics: SnorkyMetrics,
    private readonly operations: OperationsEndpoint,
    @Optional() @Inject(SNORKY_BACKEND_PATH) private readonly asyncPath?: string,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const backend = this.options.backend;
    // Without a key nothing could ever be executed: no endpoint at all (404), as with backend: false.
    if (!backend || !backend.apiKeys?.length) return;
    const path = backend.path ?? this.asyncPath ?? DEFAULT_BACKEND_PATH;
    const handler = new BackendHttpHandler(path, backend.apiKeys, this.registries.backend, this.options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE, this.drain, this.metrics);
    if (backend.port !== undefined) {
      // The operator's endpoints (/health, /ready, /metrics, /admin) answer first on the private listener.
      const operations = operationsServed(this.options) ? this.operations : undefined;
      await this.listeners.open('backend', backend.port, backend.host ?? '127.0.0.1', (req, res) => {
        if (operations?.handle(req, res)) return;
        if (handler.matches(req)) handler.handle(req, res);
        else notFound(res);
      });
      return;
    }
    const server: Server | undefined = this.adapterHost.httpAdapter?.getHttpServer();
    if (!server) throw new Error('the backend endpoint needs an HTTP app (NestFactory.create) or its own backend.port');
    interceptServerEvent(server, 'request', (req, res) => {
      if (!handler.matches(req)) return false;
      handler.handle(req, res);
      return true;
    });
  }
}
