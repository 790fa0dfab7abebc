import { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'fs';
import type { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { DataSource } from 'typeorm';
import { NestAppModule } from './nest-app.module';

export interface RunningNestApp {
  url: string;
  app: INestApplication;
  /** The app's TypeORM DataSource, for changes made through the ORM outside HTTP. */
  dataSource: DataSource;
  /** Everything the app logged (errors with their stacks), for assertions and failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Keeps the app's log lines instead of printing them. */
class RecordingLogger implements LoggerService {
  lines: string[] = [];
  private record(level: string, message: unknown, rest: unknown[]) {
    const text = [message, ...rest].map((part) => (part instanceof Error ? part.stack : typeof part === 'string' ? part : JSON.stringify(part)));
    this.lines.push(`${level} ${text.join(' ')}`);
  }
  log(message: unknown, ...rest: unknown[]) { this.record('LOG', message, rest); }
  error(message: unknown, ...rest: unknown[]) { this.record('ERROR', message, rest); }
  warn(message: unknown, ...rest: unknown[]) { this.record('WARN', message, rest); }
  debug(message: unknown, ...rest: unknown[]) { this.record('DEBUG', message, rest); }
  verbose(message: unknown, ...rest: unknown[]) { this.record('VERBOSE', message, rest); }
}

/** Boots the interop Nest app (SQLite in a temp dir) on a free loopback port. */
export async function startNestApp(snorky: { backendUrl: string; apiKey: string }): Promise<RunningNestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'snorky-nest-app-'));
  const logger = new RecordingLogger();
  const app = await NestFactory.create(
    NestAppModule.forRoot({ backendUrl: snorky.backendUrl, apiKey: snorky.apiKey, database: join(dir, 'tasks.sqlite3') }),
    { logger },
  );
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const dataSource = app.get(DataSource);
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    dataSource,
    log: () => logger.lines.join('\n'),
    async stop() {
      await app.close();
      if (dataSource.isInitialized) await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
