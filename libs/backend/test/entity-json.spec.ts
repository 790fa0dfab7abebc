/**
 * The default JSON of subscribable entities (every column by property name) on real TypeORM
 * metadata: embedded columns, relations' join columns, dates, EntitySchema entities.
 */
import 'reflect-metadata';
import { Column, CreateDateColumn, DataSource, Entity, EntitySchema, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { SnorkySubscriber, subscribable } from '@snorky/backend';
import { RecordingPublisher } from './support/recording-publisher';

class Address {
  @Column() city: string;
  @Column() zip: string;
}

@Entity()
class Person {
  @PrimaryGeneratedColumn() id: number;
  @Column() name: string;
}

@Entity()
@subscribable()
class Parcel {
  @PrimaryGeneratedColumn() id: number;
  @Column(() => Address) to: Address;
  @ManyToOne(() => Person, { nullable: true }) owner: Person | null;
  @CreateDateColumn() createdAt: Date;
}

interface Label {
  id: number;
  text: string;
}
const LabelSchema = new EntitySchema<Label>({
  name: 'Label',
  columns: { id: { type: Number, primary: true, generated: true }, text: { type: String } },
});
subscribable('Label', { model: 'Sticker' });

describe('default entity JSON', () => {
  let dataSource: DataSource;
  let publisher: RecordingPublisher;

  beforeAll(async () => {
    dataSource = await new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [Person, Parcel, LabelSchema], synchronize: true }).initialize();
    publisher = new RecordingPublisher();
    new SnorkySubscriber(publisher).attach(dataSource);
  });
  afterAll(() => dataSource.destroy());

  it('nests embedded columns, gives a relation as its id and dates as ISO strings', async () => {
    const ann = await dataSource.getRepository(Person).save({ name: 'ann' });
    const parcel = await dataSource.getRepository(Parcel).save({ to: { city: 'Vigo', zip: '36201' }, owner: ann });
    const delta = publisher.deltas.at(-1)!;
    expect(delta).toEqual({
      type: 'insert',
      model: 'Parcel',
      data: { id: parcel.id, to: { city: 'Vigo', zip: '36201' }, owner: ann.id, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
    expect(publisher.deltas).toHaveLength(1); // Person is not subscribable
  });

  it('keeps the relation id in oldData and newData of an update', async () => {
    const bob = await dataSource.getRepository(Person).save({ name: 'bob' });
    const cy = await dataSource.getRepository(Person).save({ name: 'cy' });
    const repo = dataSource.getRepository(Parcel);
    const parcel = await repo.save({ to: { city: 'Lugo', zip: '27001' }, owner: bob });
    const loaded = await repo.findOneOrFail({ where: { id: parcel.id }, relations: { owner: true } });
    loaded.owner = cy;
    await repo.save(loaded);
    expect(publisher.deltas.at(-1)).toMatchObject({ type: 'update', oldData: { owner: bob.id }, newData: { owner: cy.id } });
  });

  it('publishes EntitySchema entities registered by name', async () => {
    const label = await dataSource.getRepository<Label>('Label').save({ text: 'fragile' });
    expect(publisher.deltas.at(-1)).toEqual({ type: 'insert', model: 'Sticker', data: { id: label.id, text: 'fragile' } });
  });
});
