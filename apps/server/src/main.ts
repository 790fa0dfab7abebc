#!/usr/bin/env node
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EndpointListeners } from '@snorky/nest';
import type { AddressInfo } from 'net';
import { collectDefaultMetrics } from 'prom-client';
import { ConfigError, configPathFrom, loadConfigFile } from './config/load-config';
import { ServerConfig } from './config/server-config';
import { logOptionsFrom, serverLogger } from './logging';
import { ServerModule } from './server.module';

/**
 * The standalone Snorky server: `npm run server -- --config snorky.json` (or SNORKY_CONFIG).
 * Logs one line per listener; SIGINT/SIGTERM close every connection and listener, then exit.
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
  // bodyParser off: the backend controller reads bodies itself, with the maxFrameSize limit and any content type.
  const app = await NestFactory.create(ServerModule.fromConfig(config), { bodyParser: false, logger });
  const log = new Logger('SnorkyServer');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log.log(`${signal}: closing connections and listeners`);
      app.close().then(
        () => process.exit(0),
        (err) => {
          log.error(err instanceof Error ? err.stack : String(err));
          process.exit(1);
        },
      );
    });
  }
  await app.listen(config.frontend.port, config.frontend.host);
  const frontend = app.getHttpServer().address() as AddressInfo;
  log.log(`frontend listening on ws://${config.frontend.host}:${frontend.port}${config.frontend.path}`);
  const backendPort = app.get(EndpointListeners).port('backend');
  log.log(`backend listening on http://${config.backend.host}:${backendPort}${config.backend.path}`);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

main().catch((err) => {
  new Logger('SnorkyServer').error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
