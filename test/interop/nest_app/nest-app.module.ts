import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SnorkyBackend, SnorkySubscriber } from '@snorky/backend';
import { Task } from './task.entity';
import { TasksController } from './tasks.controller';
import { SNORKY_BACKEND } from './tokens';

export interface NestAppOptions {
  /** Snorky's backend endpoint and key (the standalone server's). */
  backendUrl: string;
  apiKey: string;
  /** SQLite file (better-sqlite3). */
  database: string;
}

/**
 * A small Nest + TypeORM app wired to Snorky with @snorky/backend only (no @nestjs/typeorm): a
 * SnorkyBackend over HTTP, and a SnorkySubscriber on the DataSource publishing Task deltas.
 */
@Module({})
export class NestAppModule {
  static forRoot(options: NestAppOptions): DynamicModule {
    return {
      module: NestAppModule,
      controllers: [TasksController],
      providers: [
        { provide: SNORKY_BACKEND, useFactory: () => new SnorkyBackend({ url: options.backendUrl, key: options.apiKey, timeout: 5000 }) },
        {
          provide: DataSource,
          inject: [SNORKY_BACKEND],
          useFactory: async (snorky: SnorkyBackend) => {
            const dataSource = new DataSource({ type: 'better-sqlite3', database: options.database, entities: [Task], synchronize: true });
            await dataSource.initialize();
            // 'raise': a delta that cannot be published fails the request, so the test sees it.
            new SnorkySubscriber(snorky, { delivery: 'inline', publishErrors: 'raise' }).attach(dataSource);
            return dataSource;
          },
        },
      ],
    };
  }
}
