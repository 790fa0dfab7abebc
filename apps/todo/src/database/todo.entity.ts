import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One todo of one list. Its JSON form (`toJson`) is what the API returns and what deltas carry. */
@Entity('todo_items')
export class TodoEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** The list it belongs to; the DataSync dealer routes deltas by this field. */
  @Index()
  @Column({ type: 'varchar', length: 64 })
  list: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'boolean', default: false })
  completed: boolean;
}

export interface TodoJson {
  id: number;
  list: string;
  title: string;
  completed: boolean;
}

export function toJson(todo: TodoEntity): TodoJson {
  // Drivers differ (SQLite gives 0/1, pg may give a string id for bigint): normalize once here.
  return { id: Number(todo.id), list: todo.list, title: todo.title, completed: Boolean(todo.completed) };
}
