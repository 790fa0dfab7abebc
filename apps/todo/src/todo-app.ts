import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import type { AddressInfo } from 'net';
import { TodoAppModule } from './todo-app.module';
import type { TodoAppOptions } from './todo-options';
import { todoValidationPipe } from './web/validation';
import { jsonSyntaxErrors, requireObjectBody, serveStaticFiles } from './web/static-files';

export interface RunningTodoApp {
  app: NestExpressApplication;
  port: number;
  /** http://localhost:<port>/ */
  url: string;
  close(): Promise<void>;
}

/** Builds and starts the demo (used by main.ts and by the tests, in-process). */
export async function startTodoApp(options: TodoAppOptions): Promise<RunningTodoApp> {
  const app = await NestFactory.create<NestExpressApplication>(TodoAppModule.forOptions(options), {
    bodyParser: false,
    logger: options.logger === undefined ? ['error', 'warn', 'log'] : options.logger,
  });
  // Own JSON parser so that its syntax errors can be answered as JSON 400s.
  app.use(json({ limit: '64kb' }), jsonSyntaxErrors, requireObjectBody);
  app.useGlobalPipes(todoValidationPipe());
  serveStaticFiles(app, options.publicDir, options.clientBundle);
  await (options.host ? app.listen(options.port, options.host) : app.listen(options.port));
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return { app, port, url: `http://localhost:${port}/`, close: () => app.close() };
}
