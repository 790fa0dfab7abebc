import { DynamicModule, Module } from '@nestjs/common';
import { DEFAULT_LIMITS, SnorkyModule, SnorkyModuleOptions } from '@snorky/nest';
import { apiKeysOf } from './config/load-config';
import { ServerConfig } from './config/server-config';
import { SERVICE_TYPES } from './services/service-types';

/** The standalone server is SnorkyModule plus the services its config lists: no code of its own in the path. */
@Module({})
export class ServerModule {
  static fromConfig(config: ServerConfig): DynamicModule {
    return {
      module: ServerModule,
      imports: [SnorkyModule.forRoot(snorkyOptionsOf(config))],
      providers: config.services.flatMap((entry) => SERVICE_TYPES[entry.type].providers(entry)),
    };
  }
}

export function snorkyOptionsOf(config: ServerConfig): SnorkyModuleOptions {
  const { frontend, backend } = config;
  return {
    // The frontend is the app's own HTTP listener (see main.ts); the backend gets a listener of its own.
    frontend: {
      path: frontend.path,
      pingInterval: frontend.pingInterval,
      allowedOrigins: frontend.allowedOrigins,
      sockjsPrefix: frontend.sockjsPrefix,
      maxBufferedBytes: frontend.maxBufferedBytes,
    },
    backend: { path: backend.path, host: backend.host, port: backend.port, apiKeys: apiKeysOf(config) },
    maxFrameSize: config.maxFrameSize,
    maxJsonDepth: config.maxJsonDepth,
    cluster: config.cluster,
    metrics: config.metrics,
    operations: config.operations ? { ...config.operations } : undefined,
    // Explicit, so the HTTP timeouts also apply to the frontend, which is the app's own server here.
    limits: { ...config.limits, headersTimeout: config.limits?.headersTimeout ?? DEFAULT_LIMITS.headersTimeout, requestTimeout: config.limits?.requestTimeout ?? DEFAULT_LIMITS.requestTimeout },
    shutdownTimeout: config.shutdownTimeout,
  };
}
