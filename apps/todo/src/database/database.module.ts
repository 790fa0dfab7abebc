import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import * as fs from 'fs';
import * as path from 'path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { TodoEntity } from './todo.entity';

export interface DatabaseOptions {
  /** PostgreSQL URL; unset = SQLite. */
  url?: string;
  sqlitePath: string;
}

/** SQLite (better-sqlite3) by default, PostgreSQL when a URL is given. The demo's one table is created on start. */
export function dataSourceOptions(options: DatabaseOptions): DataSourceOptions {
  const common = { entities: [TodoEntity], synchronize: true, logging: false };
  if (options.url) return { type: 'postgres', url: options.url, ...common };
  return { type: 'better-sqlite3', database: options.sqlitePath, ...common };
}

export function describeDatabase(options: DatabaseOptions): string {
  if (!options.url) return `SQLite ${options.sqlitePath}`;
  // Never log a password.
  return `PostgreSQL ${options.url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')}`;
}

@Injectable()
class DatabaseShutdown implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DataSource,
          useFactory: async () => {
            if (!options.url) fs.mkdirSync(path.dirname(options.sqlitePath), { recursive: true });
            const dataSource = await new DataSource(dataSourceOptions(options)).initialize();
            new Logger('TodoDatabase').log(describeDatabase(options));
            return dataSource;
          },
        },
        DatabaseShutdown,
      ],
      exports: [DataSource],
    };
  }
}
