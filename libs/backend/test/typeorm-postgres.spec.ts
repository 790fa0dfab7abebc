/**
 * SnorkySubscriber on PostgreSQL, where (unlike SQLite) concurrent transactions run on separate
 * query runners: each transaction's deltas stay its own, a rollback drops only its own, and batches
 * leave in commit order. Needs the PostgreSQL of the dev environment (BACKEND_TEST_DATABASE_URL,
 * default postgres://postgres@127.0.0.1:5432/test); fails, naming it, when unreachable.
 */
import 'reflect-metadata';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { SnorkySubscriber, subscribable } from '@snorky/backend';
import { RecordingPublisher } from './support/recording-publisher';

const URL = process.env.BACKEND_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Own schema, so synchronize never touches other suites' tables. */
const SCHEMA = 'snorky_backend_spec';

@Entity({ name: 'pg_task', schema: SCHEMA })
@subscribable({ model: 'PgTask' })
class PgTask {
  @PrimaryGeneratedColumn() id: number;
  @Column() title: string;
}

describe('SnorkySubscriber on PostgreSQL (concurrent transactions)', () => {
  let dataSource: DataSource;
  let publisher: RecordingPublisher;

  beforeAll(async () => {
    const admin = new DataSource({ type: 'postgres', url: URL });
    try {
      await admin.initialize();
    } catch (error) {
      throw new Error(`PostgreSQL at ${URL} is needed for this test (set BACKEND_TEST_DATABASE_URL): ${(error as Error).message}`);
    }
    await admin.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await admin.query(`DROP TABLE IF EXISTS ${SCHEMA}.pg_task`);
    await admin.destroy();
    dataSource = await new DataSource({ type: 'postgres', url: URL, entities: [PgTask], synchronize: true }).initialize();
    publisher = new RecordingPublisher();
    new SnorkySubscriber(publisher).attach(dataSource);
  });
  afterAll(async () => {
    if (!dataSource?.isInitialized) return;
    await dataSource.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await dataSource.destroy();
  });

  it('keeps interleaved transactions apart and publishes each at its own commit', async () => {
    const gate = <T>() => {
      let open!: (value: T) => void;
      return { promise: new Promise<T>((resolve) => (open = resolve)), open };
    };
    const aWrote = gate<void>();
    const bWrote = gate<void>();
    const bRolledBack = gate<void>();

    const a = dataSource.transaction(async (manager) => {
      await manager.save(manager.create(PgTask, { title: 'a1' }));
      aWrote.open();
      await bWrote.promise; // b has written too: both transactions are open at once
      await manager.save(manager.create(PgTask, { title: 'a2' }));
      await bRolledBack.promise;
      expect(publisher.batches).toEqual([]); // b rolled back; a not committed yet
    });
    const b = dataSource
      .transaction(async (manager) => {
        await aWrote.promise;
        await manager.save(manager.create(PgTask, { title: 'b1 (rolled back)' }));
        bWrote.open();
        throw new Error('roll back b');
      })
      .catch(() => bRolledBack.open());
    await Promise.all([a, b]);
    const c = await dataSource.transaction((manager) => manager.save(manager.create(PgTask, { title: 'c1' })));

    const titles = publisher.batches.map((batch) => batch.map((d) => (d as { data: PgTask }).data.title));
    expect(titles).toEqual([['a1', 'a2'], ['c1']]);
    expect(publisher.deltas.at(-1)).toEqual({ type: 'insert', model: 'PgTask', data: { id: c.id, title: 'c1' } });
  });
});
