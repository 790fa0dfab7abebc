#!/usr/bin/env node
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DEFAULT_LIMITS, EndpointListeners } from '@snorky/nest';
import type { AddressInfo } from 'net';
import { collectDefaultMetrics } from 'prom-client';
import { ConfigError, configPathFrom, loadConfigFile } from './config/load-config';
import { ServerConfig } from './config/server-config';
import { logOptionsFrom, serverLogger } from './logging';
import { ServerModule } from './server.module';
import { originWarning } from './config/origin-warning';

/**
 * The standalone Snorky server: `npm run server -- --config snorky.json` (or SNORKY_CONFIG).
 * Logs one line per listener. SIGINT/SIGTERM drain (app.close(): 503 to new backend requests, in-flight
 * ones finish, WebSocket clients get 1001 after their queued frames) and exit within `shutdownTimeout`
 * seconds (default 10), plus a short margin after which the process exits whatever still runs.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let config: ServerConfig;
  let logOptions: ReturnType<typeof logOptionsFrom> = {};
  try {
    logOptions = logOptionsFrom(argv);
    config = loadConfigFile(configPathFrom(argv, process.env), process.env);
  } catch (err) {
    if (!(err instanceof ConfigError) && !(err instanceof Error && err.message.startsWith('--log-'))) throw err;
    // Even an invalid config is reported in the format asked for on the command line.
    Logger.overrideLogger(serverLogger({ format: logOptions.format }, process.env));
    new Logger('SnorkyServer').error(`Invalid config: ${err.message}`);
    process.exitCode = 1;
    return;
  }
  const logger = serverLogger({ ...config.log, ...stripUndefined(logOptions) }, process.env);
  if (config.metrics !== false) collectDefaultMetrics();
  // bodyParser off: the app has no routes of its own; the backend endpoint reads its bodies itself (maxFrameSize, any content type).
  const app = await NestFactory.create(ServerModule.fromConfig(config), { bodyParser: false, logger });
  const log = new Logger('SnorkyServer');
  const shutdownTimeout = config.shutdownTimeout ?? DEFAULT_LIMITS.shutdownTimeout;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log.log(`${signal}: draining (at most ${shutdownTimeout} s), then exiting`);
      // The drain is bounded by itself; this catches anything else that would hang (a hook, a broker).
      setTimeout(() => {
        log.error(`still running ${shutdownTimeout + EXIT_MARGIN_S} s after ${signal}: exiting anyway`);
        process.exit(1);
      }, (shutdownTimeout + EXIT_MARGIN_S) * 1000).unref();
      app.close().then(
        () => process.exit(0),
        (err) => {
          log.error(err instanceof Error ? err.stack : String(err));
          process.exit(1);
        },
      );
    });
  }
  const warning = originWarning(config.frontend);
  if (warning) log.warn(warning);
  await app.listen(config.frontend.port, config.frontend.host);
  const frontend = app.getHttpServer().address() as AddressInfo;
  log.log(`frontend listening on ws://${config.frontend.host}:${frontend.port}${config.frontend.path}`);
  const backendPort = app.get(EndpointListeners).port('backend');
  log.log(`backend listening on http://${config.backend.host}:${backendPort}${config.backend.path}`);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Seconds past shutdownTimeout after which the process exits even if something hangs. */
const EXIT_MARGIN_S = 2;

main().catch((err) => {
  new Logger('SnorkyServer').error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
