import { DynamicModule, Module } from '@nestjs/common';
import { ChatService, CursorsService, DataSyncService, SnorkyModule } from '@snorky/nest';
import { DatabaseModule } from './database/database.module';
import { VisitorAuthenticator } from './presence/visitor.authenticator';
import type { TodoAppOptions } from './todo-options';
import { TodosByList } from './todos/todos-by-list.dealer';
import { TodosController } from './todos/todos.controller';
import { TodosService } from './todos/todos.service';

/**
 * The demo: Snorky in-process (on /ws: DataSync for the todos, Chat for who is here, Cursors for who
 * edits which todo; no backend endpoint: the app publishes deltas itself), the todos REST API, and
 * the database.
 */
@Module({})
export class TodoAppModule {
  static forOptions(options: TodoAppOptions): DynamicModule {
    return {
      module: TodoAppModule,
      imports: [
        SnorkyModule.forRoot({ frontend: { path: '/ws', authenticator: VisitorAuthenticator }, backend: false }),
        DatabaseModule.forRoot({ url: options.databaseUrl, sqlitePath: options.sqlitePath }),
      ],
      controllers: [TodosController],
      providers: [DataSyncService, TodosByList, TodosService, ChatService, CursorsService, VisitorAuthenticator],
    };
  }
}
