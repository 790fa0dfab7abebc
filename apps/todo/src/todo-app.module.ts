import { DynamicModule, Module } from '@nestjs/common';
import { DataSyncService, SnorkyModule } from '@snorky/nest';
import { DatabaseModule } from './database/database.module';
import type { TodoAppOptions } from './todo-options';
import { TodosByList } from './todos/todos-by-list.dealer';
import { TodosController } from './todos/todos.controller';
import { TodosService } from './todos/todos.service';

/**
 * The demo: Snorky in-process (the DataSync service on /ws, no backend endpoint: the app publishes
 * deltas itself), the todos REST API, and the database.
 */
@Module({})
export class TodoAppModule {
  static forOptions(options: TodoAppOptions): DynamicModule {
    return {
      module: TodoAppModule,
      imports: [
        SnorkyModule.forRoot({ frontend: { path: '/ws' }, backend: false }),
        DatabaseModule.forRoot({ url: options.databaseUrl, sqlitePath: options.sqlitePath }),
      ],
      controllers: [TodosController],
      providers: [DataSyncService, TodosByList, TodosService],
    };
  }
}
