import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { subscribable } from '@snorky/backend';

/**
 * The interop app's model. `@subscribable()` makes every committed insert / update / delete a
 * DataSync delta of model "Task"; its data is the default JSON: every column by property name.
 */
@Entity()
@subscribable()
export class Task {
  @PrimaryGeneratedColumn() id: number;
  @Column() title: string;
  @Column({ default: false }) completed: boolean;
  @Column({ type: 'varchar', nullable: true }) owner: string | null;
}
