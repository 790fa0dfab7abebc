/**
 * SnorkySubscriber on a real TypeORM DataSource (better-sqlite3, in memory): which deltas each ORM
 * operation produces, and that they leave only after the commit, in commit order.
 */
import 'reflect-metadata';
import { Column, DataSource, DeleteDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { SnorkyBackend, SnorkySubscriber, subscribable } from '@snorky/backend';
import { RecordingPublisher } from './support/recording-publisher';
import { HttpPeer } from './support/http-peer';

@Entity()
@subscribable()
class Task {
  @PrimaryGeneratedColumn() id: number;
  @Column() title: string;
  @Column({ default: false }) completed: boolean;
  @Column({ type: 'varchar', nullable: true }) owner: string | null;
}

@Entity()
@subscribable({ model: 'Note', toJson: (n: Memo) => ({ id: n.id, text: n.body.toUpperCase(), words: n.words() }) })
class Memo {
  @PrimaryGeneratedColumn() id: number;
  @Column() body: string;
  words(): number {
    return this.body.split(' ').length;
  }
}

/** Not subscribable: changes to it publish nothing. */
@Entity()
class AuditLine {
  @PrimaryGeneratedColumn() id: number;
  @Column() text: string;
}

@Entity()
@subscribable()
class Archived {
  @PrimaryGeneratedColumn() id: number;
  @Column() name: string;
  @DeleteDateColumn({ nullable: true }) deletedAt: Date | null;
}

describe('SnorkySubscriber (TypeORM)', () => {
  let dataSource: DataSource;
  let publisher: RecordingPublisher;
  let errors: string[];
  let warnings: string[];

  async function open(options: ConstructorParameters<typeof SnorkySubscriber>[1] = {}) {
    dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [Task, Memo, AuditLine, Archived], synchronize: true });
    await dataSource.initialize();
    publisher = new RecordingPublisher();
    errors = [];
    warnings = [];
    const logger = { error: (m: string) => errors.push(m), warn: (m: string) => warnings.push(m) };
    return new SnorkySubscriber(publisher, { logger, ...options }).attach(dataSource);
  }

  const tasks = () => dataSource.getRepository(Task);

  afterEach(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
  });

  describe('single operations (TypeORM wraps each save in a transaction)', () => {
    beforeEach(() => open());

    it('publishes an insert with the generated id and column defaults, before save() resolves', async () => {
      const task = await tasks().save(tasks().create({ title: 'Buy milk', owner: 'ann' }));
      expect(publisher.batches).toEqual([[{ type: 'insert', model: 'Task', data: { id: task.id, title: 'Buy milk', completed: false, owner: 'ann' } }]]);
    });

    it('publishes an update with oldData (the row as stored) and newData', async () => {
      const task = await tasks().save(tasks().create({ title: 'Buy milk', owner: 'ann' }));
      task.title = 'Buy oat milk';
      task.owner = 'bob';
      await tasks().save(task);
      expect(publisher.batches[1]).toEqual([
        {
          type: 'update',
          model: 'Task',
          oldData: { id: task.id, title: 'Buy milk', completed: false, owner: 'ann' },
          newData: { id: task.id, title: 'Buy oat milk', completed: false, owner: 'bob' },
        },
      ]);
    });

    it('fills newData of a partial save() from the stored row', async () => {
      const task = await tasks().save(tasks().create({ title: 'Buy milk', owner: 'ann' }));
      await tasks().save({ id: task.id, completed: true });
      expect(publisher.deltas[1]).toEqual({
        type: 'update',
        model: 'Task',
        oldData: { id: task.id, title: 'Buy milk', completed: false, owner: 'ann' },
        newData: { id: task.id, title: 'Buy milk', completed: true, owner: 'ann' },
      });
    });

    it('publishes nothing for a save that changes nothing', async () => {
      const task = await tasks().save(tasks().create({ title: 'Same' }));
      await tasks().save(task);
      expect(publisher.batches).toHaveLength(1);
    });

    it('publishes a delete carrying the row, id included (TypeORM clears it on the entity)', async () => {
      const task = await tasks().save(tasks().create({ title: 'Gone soon', owner: 'cy' }));
      const id = task.id;
      await tasks().remove(task);
      expect(task.id).toBeUndefined();
      expect(publisher.deltas[1]).toEqual({ type: 'delete', model: 'Task', data: { id, title: 'Gone soon', completed: false, owner: 'cy' } });
    });

    it('publishes a delete for a remove() of a bare { id } entity', async () => {
      const task = await tasks().save(tasks().create({ title: 'By id', owner: 'dee' }));
      await tasks().remove(tasks().create({ id: task.id }));
      expect(publisher.deltas[1]).toEqual({ type: 'delete', model: 'Task', data: { id: task.id, title: 'By id', completed: false, owner: 'dee' } });
    });

    it('uses the registration model name and toJson (on a real entity instance)', async () => {
      const memo = await dataSource.getRepository(Memo).save({ body: 'two words' });
      expect(publisher.deltas).toEqual([{ type: 'insert', model: 'Note', data: { id: memo.id, text: 'TWO WORDS', words: 2 } }]);
    });

    it('ignores entities that are not subscribable', async () => {
      await dataSource.getRepository(AuditLine).save({ text: 'x' });
      expect(publisher.batches).toEqual([]);
    });

    it('publishes repository.insert() (an insert query builder) with the generated id', async () => {
      await tasks().insert({ title: 'Inserted', owner: 'eve' });
      expect(publisher.deltas).toEqual([{ type: 'insert', model: 'Task', data: expect.objectContaining({ id: expect.any(Number), title: 'Inserted', owner: 'eve' }) }]);
    });

    it('publishes nothing for repository.update()/delete() (no rows known) and says so once', async () => {
      const task = await tasks().save(tasks().create({ title: 'Bulk' }));
      await tasks().update({ id: task.id }, { title: 'Bulk 2' });
      await tasks().update({ id: task.id }, { title: 'Bulk 3' });
      await tasks().delete({ id: task.id });
      expect(publisher.batches).toHaveLength(1);
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(/update of Task .*repository\.update\(\)/);
      expect(warnings[1]).toMatch(/delete of Task .*repository\.delete\(\)/);
    });

    it('turns a soft remove into a delete and a recover into an insert', async () => {
      const repo = dataSource.getRepository(Archived);
      const row = await repo.save({ name: 'old' });
      await repo.softRemove(row);
      await repo.recover(row);
      expect(publisher.deltas.map((d) => d.type)).toEqual(['insert', 'delete', 'insert']);
      expect(publisher.deltas[1]).toEqual({ type: 'delete', model: 'Archived', data: { id: row.id, name: 'old', deletedAt: null } });
      expect(publisher.deltas[2]).toEqual({ type: 'insert', model: 'Archived', data: { id: row.id, name: 'old', deletedAt: null } });
    });
  });

  describe('transactions', () => {
    beforeEach(() => open());

    it('holds the deltas of a transaction until it commits, then sends them as one batch in order', async () => {
      let duringTransaction = -1;
      const id = await dataSource.transaction(async (manager) => {
        const a = await manager.save(manager.create(Task, { title: 'A' }));
        await manager.save(manager.create(Task, { title: 'B' }));
        a.completed = true;
        await manager.save(a);
        duringTransaction = publisher.batches.length;
        return a.id;
      });
      expect(duringTransaction).toBe(0);
      expect(publisher.batches).toHaveLength(1);
      expect(publisher.batches[0].map((d) => [d.type, d.type === 'update' ? (d.newData as Task).title : (d.data as Task).title])).toEqual([
        ['insert', 'A'],
        ['insert', 'B'],
        ['update', 'A'],
      ]);
      expect(publisher.batches[0][2]).toMatchObject({ oldData: { id, completed: false }, newData: { id, completed: true } });
    });

    it('drops the deltas of a rolled-back transaction', async () => {
      await expect(
        dataSource.transaction(async (manager) => {
          await manager.save(manager.create(Task, { title: 'Never' }));
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      await tasks().save(tasks().create({ title: 'After' }));
      expect(publisher.deltas.map((d) => (d as { data: Task }).data.title)).toEqual(['After']);
    });

    it('follows savepoints: a rolled-back inner block drops only its own deltas', async () => {
      await dataSource.transaction(async (manager) => {
        await manager.save(manager.create(Task, { title: 'outer 1' }));
        await manager.transaction(async (inner) => {
          await inner.save(inner.create(Task, { title: 'inner kept' }));
        });
        await manager
          .transaction(async (inner) => {
            await inner.save(inner.create(Task, { title: 'inner rolled back' }));
            throw new Error('inner abort');
          })
          .catch(() => undefined);
        await manager.save(manager.create(Task, { title: 'outer 2' }));
        expect(publisher.batches).toHaveLength(0); // the released savepoint waits for the outer commit
      });
      expect(publisher.batches).toHaveLength(1);
      expect(publisher.batches[0].map((d) => (d as { data: Task }).data.title)).toEqual(['outer 1', 'inner kept', 'outer 2']);
      expect(await tasks().count()).toBe(3);
    });

    it('publishes right away for a save with { transaction: false } (autocommit)', async () => {
      await tasks().save(tasks().create({ title: 'Autocommit' }), { transaction: false });
      expect(publisher.deltas).toEqual([expect.objectContaining({ type: 'insert', data: expect.objectContaining({ title: 'Autocommit' }) })]);
    });

    it('sends batches in commit order even when an earlier publish is slow, without holding save()', async () => {
      const subscriber = await open();
      const released: Array<() => void> = [];
      publisher.behaviour = (deltas) =>
        (deltas[0] as { data: Task }).data.title === 'slow' ? new Promise<void>((r) => released.push(r)) : undefined;
      await tasks().save(tasks().create({ title: 'slow' })); // resolves while its publish hangs
      expect(released).toHaveLength(1); // committed, publish in flight
      await tasks().save(tasks().create({ title: 'fast' }));
      await new Promise((r) => setTimeout(r, 50));
      expect(publisher.batches).toHaveLength(0); // the second batch waits for the first
      released[0]();
      await subscriber.flush();
      expect(publisher.deltas.map((d) => (d as { data: Task }).data.title)).toEqual(['slow', 'fast']);
    });
  });

  describe('publish failures after commit', () => {
    it('background (default): save() resolves at once, the failure is logged, never thrown', async () => {
      const subscriber = await open();
      publisher.behaviour = () => {
        throw new Error('not JSON-able');
      };
      const task = await tasks().save(tasks().create({ title: 'Saved anyway' }));
      await subscriber.flush();
      expect(await tasks().findOneBy({ id: task.id })).not.toBeNull();
      expect(errors).toEqual([expect.stringMatching(/batch \w+ of 1 deltas cannot be sent: Error: not JSON-able/)]);
    });

    it("inline, 'log' (default): logs one line, save() resolves, the row is committed", async () => {
      await open({ delivery: 'inline' });
      publisher.behaviour = () => {
        throw new Error('Snorky down');
      };
      const task = await tasks().save(tasks().create({ title: 'Saved anyway' }));
      expect(await tasks().findOneBy({ id: task.id })).not.toBeNull();
      expect(errors).toEqual([expect.stringMatching(/could not publish deltas \(insert Task\): Error: Snorky down/)]);
    });

    it("inline, 'raise': save() rejects with the publish error, the row is still committed", async () => {
      await open({ delivery: 'inline', publishErrors: 'raise' });
      publisher.behaviour = () => {
        throw new Error('Snorky down');
      };
      await expect(tasks().save(tasks().create({ title: 'Committed, not announced' }))).rejects.toThrow('Snorky down');
      expect(await tasks().findOneBy({ title: 'Committed, not announced' })).not.toBeNull();
      // The subscriber keeps working afterwards.
      publisher.behaviour = () => undefined;
      await tasks().save(tasks().create({ title: 'Next' }));
      expect(publisher.deltas).toHaveLength(1);
    });
  });

  it('refuses to attach to a DataSource that is not initialized yet (initialize() would drop it)', () => {
    const fresh = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [Task] });
    expect(() => new SnorkySubscriber(new RecordingPublisher()).attach(fresh)).toThrow(/after dataSource.initialize\(\)/);
  });

  it('works with SnorkyBackend as publisher: one POST per transaction', async () => {
    const peer = await new HttpPeer().start();
    try {
      dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [Task, Memo, AuditLine, Archived], synchronize: true });
      await dataSource.initialize();
      const subscriber = new SnorkySubscriber(new SnorkyBackend({ url: peer.url, key: 'swordfish' })).attach(dataSource);
      await dataSource.transaction(async (manager) => {
        await manager.save(manager.create(Task, { title: 'one' }));
        await manager.save(manager.create(Task, { title: 'two' }));
      });
      await subscriber.flush();
      expect(peer.bodies()).toEqual([
        {
          service: 'datasync_backend',
          message: {
            command: 'publishDeltas',
            params: {
              deltas: [
                { type: 'insert', model: 'Task', data: { id: 1, title: 'one', completed: false, owner: null } },
                { type: 'insert', model: 'Task', data: { id: 2, title: 'two', completed: false, owner: null } },
              ],
              batchId: expect.stringMatching(/^[0-9a-f]{32}$/),
            },
          },
        },
      ]);
    } finally {
      await peer.stop();
    }
  });
});
