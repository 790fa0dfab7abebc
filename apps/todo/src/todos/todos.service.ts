import { BadRequestException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { DataSyncPublisher, DeltaInput } from '@snorky/nest';
import { DataSource, EntityManager } from 'typeorm';
import { TodoEntity, TodoJson, toJson } from '../database/todo.entity';
import { CreateTodoDto, ToggleAllDto, UpdateTodoDto } from './todo.dto';
import { SerialQueue } from './serial-queue';
import { TODO_MODEL, TODOS_BY_LIST } from './todos-by-list.dealer';

/**
 * The todos of each list. Every change runs in a transaction and publishes its deltas only after
 * that transaction committed, so a browser never sees a change the database might still roll back.
 */
@Injectable()
export class TodosService {
  private readonly logger = new Logger('Todos');
  private readonly writes = new SerialQueue();

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    private readonly datasync: DataSyncPublisher,
  ) {}

  /**
   * The list's todos; with `subscribe`, also a DataSync token for the list's changes. The token is
   * authorized BEFORE the query: a change committed in between is both kept for the token and
   * maybe in the result, never lost (the client applies deltas idempotently).
   */
  async list(list: string, subscribe: boolean): Promise<{ todos: TodoJson[]; token?: string }> {
    const token = subscribe ? this.datasync.authorizeSubscription([{ dealer: TODOS_BY_LIST, query: list }]) : undefined;
    const rows = await this.db.getRepository(TodoEntity).find({ where: { list }, order: { id: 'ASC' } });
    return { todos: rows.map(toJson), token };
  }

  create(list: string, dto: CreateTodoDto): Promise<TodoJson> {
    return this.write(async (m) => {
      const todo = toJson(await m.save(m.create(TodoEntity, { list, title: dto.title, completed: false })));
      return { result: todo, deltas: [{ type: 'insert', model: TODO_MODEL, data: todo }] };
    });
  }

  update(list: string, id: number, dto: UpdateTodoDto): Promise<TodoJson> {
    if (dto.title === undefined && dto.completed === undefined) {
      throw new BadRequestException('nothing to update: give title and/or completed');
    }
    return this.write(async (m) => {
      const row = await this.find(m, list, id);
      const oldData = toJson(row);
      if (dto.title !== undefined) row.title = dto.title;
      if (dto.completed !== undefined) row.completed = dto.completed;
      const newData = toJson(await m.save(row));
      const changed = oldData.title !== newData.title || oldData.completed !== newData.completed;
      return { result: newData, deltas: changed ? [{ type: 'update', model: TODO_MODEL, oldData, newData }] : [] };
    });
  }

  remove(list: string, id: number): Promise<void> {
    return this.write(async (m) => {
      const row = await this.find(m, list, id);
      const data = toJson(row);
      await m.delete(TodoEntity, { id: row.id });
      return { result: undefined, deltas: [{ type: 'delete', model: TODO_MODEL, data }] };
    });
  }

  /** Marks every todo of the list completed (or active); returns how many changed. */
  toggleAll(list: string, dto: ToggleAllDto): Promise<{ updated: number }> {
    return this.write(async (m) => {
      const rows = await m.find(TodoEntity, { where: { list, completed: !dto.completed }, order: { id: 'ASC' } });
      const deltas: DeltaInput[] = [];
      for (const row of rows) {
        const oldData = toJson(row);
        row.completed = dto.completed;
        deltas.push({ type: 'update', model: TODO_MODEL, oldData, newData: toJson(row) });
      }
      if (rows.length > 0) await m.save(rows);
      return { result: { updated: rows.length }, deltas };
    });
  }

  /** Deletes the list's completed todos; returns how many. */
  clearCompleted(list: string): Promise<{ deleted: number }> {
    return this.write(async (m) => {
      const rows = await m.find(TodoEntity, { where: { list, completed: true }, order: { id: 'ASC' } });
      if (rows.length > 0) await m.delete(TodoEntity, rows.map((row) => row.id));
      const deltas: DeltaInput[] = rows.map((row) => ({ type: 'delete', model: TODO_MODEL, data: toJson(row) }));
      return { result: { deleted: rows.length }, deltas };
    });
  }

  private async find(m: EntityManager, list: string, id: number): Promise<TodoEntity> {
    const row = await m.findOne(TodoEntity, { where: { id, list } });
    if (!row) throw new NotFoundException(`no todo ${id} in list "${list}"`);
    return row;
  }

  /** Runs `work` in a transaction, then (committed) publishes its deltas in-process. */
  private write<T>(work: (m: EntityManager) => Promise<{ result: T; deltas: DeltaInput[] }>): Promise<T> {
    return this.writes.run(async () => {
      const { result, deltas } = await this.db.transaction(work);
      if (deltas.length > 0) {
        try {
          await this.datasync.publishDeltas(deltas);
        } catch (err) {
          // The change is committed; a failed publication must not turn it into an error reply.
          this.logger.error(`publishing ${deltas.length} delta(s) failed`, err instanceof Error ? err.stack : String(err));
        }
      }
      return result;
    });
  }
}
