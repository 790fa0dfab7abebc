import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Broker } from './broker/broker';
import { brokerProvider, rosterProvider } from './broker/broker.provider';
import { Roster } from './broker/roster';
import { ServiceExplorer } from './registry/service-explorer';
import { SnorkyRegistries } from './registry/snorky-registries';
import {
  SNORKY_ASYNC_OPTIONS_TYPE,
  SNORKY_OPTIONS,
  SNORKY_OPTIONS_TYPE,
  SnorkyConfigurableModule,
} from './snorky.module-definition';
import { ConnectionAuthenticator } from './handshake/connection-authenticator';
import { ApiKeyGuard } from './transports/api-key.guard';
import { BackendEndpoint, DEFAULT_BACKEND_PATH } from './transports/backend-endpoint';
import { createBackendController } from './transports/backend.controller';
import { EndpointListeners } from './transports/endpoint-listeners';
import { SockJsTransport } from './transports/sockjs.transport';
import { SnorkyWebSocketGateway } from './transports/websocket.gateway';
import { DataSyncPublisher } from './services/datasync/datasync-publisher';
import { DealerExplorer } from './services/datasync/dealer-explorer';

/**
 * Adds Snorky to a Nest app: a public WebSocket (and optional SockJS) endpoint for the frontend registry
 * and a guarded HTTP endpoint for the backend registry. Services and dealers are found by discovery.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    brokerProvider,
    rosterProvider,
    SnorkyRegistries,
    ServiceExplorer,
    // after ServiceExplorer: dealers attach to DataSync services registered by it
    DealerExplorer,
    DataSyncPublisher,
    EndpointListeners,
    ConnectionAuthenticator,
    SockJsTransport,
    SnorkyWebSocketGateway,
    BackendEndpoint,
    ApiKeyGuard,
  ],
  exports: [Broker, Roster, SnorkyRegistries, EndpointListeners, SNORKY_OPTIONS, DataSyncPublisher],
})
export class SnorkyModule extends SnorkyConfigurableModule {
  static forRoot(options: typeof SNORKY_OPTIONS_TYPE): DynamicModule {
    const definition = super.forRoot(options);
    if (options.backend === false) return definition; // no backend endpoint at all, not even a 404 route
    return withBackendController(definition, options.backend?.path ?? options.backendPath);
  }

  /** `backendPath` (default '/backend') must be given here: routes are fixed before async options resolve. */
  static forRootAsync(options: typeof SNORKY_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withBackendController(super.forRootAsync(options), options.backendPath);
  }
}

function withBackendController(definition: DynamicModule, path: string | undefined): DynamicModule {
  return { ...definition, controllers: [...(definition.controllers ?? []), createBackendController(path ?? DEFAULT_BACKEND_PATH)] };
}
