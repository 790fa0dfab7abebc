import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Broker } from './broker/broker';
import { brokerProvider, rosterProvider } from './broker/broker.provider';
import { Roster } from './broker/roster';
import { CommandPipeline } from './rpc/command-pipeline';
import { ServiceExplorer } from './registry/service-explorer';
import { SnorkyRegistries } from './registry/snorky-registries';
import { SnorkyMetrics } from './metrics/snorky-metrics';
import { SnorkyHealth } from './health/snorky-health';
import { AdminFeed } from './operations/admin-feed';
import { OperationsEndpoint } from './operations/operations-endpoint';
import { SNORKY_ASYNC_OPTIONS_TYPE, SNORKY_OPTIONS, SnorkyConfigurableModule } from './snorky.module-definition';
import { BackendEndpoint, SNORKY_BACKEND_PATH } from './transports/backend-endpoint';
import { ConnectionAuthenticator } from './handshake/connection-authenticator';
import { DrainState } from './transports/drain-state';
import { EndpointListeners } from './transports/endpoint-listeners';
import { SockJsTransport } from './transports/sockjs.transport';
import { SnorkyWebSocketGateway } from './transports/websocket.gateway';
import { DataSyncPublisher } from './services/datasync/datasync-publisher';
import { DealerExplorer } from './services/datasync/dealer-explorer';

/**
 * Adds Snorky to a Nest app: a public WebSocket (and optional SockJS) endpoint for the frontend registry
 * and a key-guarded HTTP endpoint for the backend registry (served beside the app's routes, not as one). Services and dealers are found by discovery.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    brokerProvider,
    rosterProvider,
    SnorkyMetrics,
    SnorkyRegistries,
    CommandPipeline,
    ServiceExplorer,
    // after ServiceExplorer: dealers attach to DataSync services registered by it
    DealerExplorer,
    DataSyncPublisher,
    EndpointListeners,
    DrainState,
    ConnectionAuthenticator,
    SockJsTransport,
    SnorkyWebSocketGateway,
    BackendEndpoint,
    SnorkyHealth,
    AdminFeed,
    OperationsEndpoint,
  ],
  exports: [Broker, Roster, SnorkyRegistries, EndpointListeners, SNORKY_OPTIONS, DataSyncPublisher, SnorkyMetrics, SnorkyHealth],
})
export class SnorkyModule extends SnorkyConfigurableModule {
  /** `backendPath` is still taken for apps written when it had to be given here; `backend.path` in the options is enough now. */
  static forRootAsync(options: typeof SNORKY_ASYNC_OPTIONS_TYPE): DynamicModule {
    const definition = super.forRootAsync(options);
    if (options.backendPath === undefined) return definition;
    return { ...definition, providers: [...(definition.providers ?? []), { provide: SNORKY_BACKEND_PATH, useValue: options.backendPath }] };
  }
}
