import type {
  DataSource,
  EntityMetadata,
  EntitySubscriberInterface,
  InsertEvent,
  ObjectLiteral,
  QueryRunner,
  RecoverEvent,
  RemoveEvent,
  SoftRemoveEvent,
  TransactionCommitEvent,
  TransactionRollbackEvent,
  TransactionStartEvent,
  UpdateEvent,
} from 'typeorm';
import { BackgroundPublisher, BackgroundPublisherOptions, newBatchId } from '../background-publisher';
import { Delta, DeltaPublisher } from '../delta';
import { columnsToJson, jsonSnapshot, mergedEntity } from './entity-json';
import { subscribableRegistration } from './subscribable';

export interface SnorkySubscriberLogger {
  error(message: string): void;
  warn?(message: string): void;
  debug?(message: string): void;
}

export interface SnorkySubscriberOptions {
  /**
   * How a committed transaction's batch reaches Snorky (docs/backend-node.md):
   * - `'background'` (default): queued in memory, sent by BackgroundPublisher with retries; save()
   *   never waits for Snorky and never fails because of it;
   * - `'outbox'`: written to the `snorky_outbox` table inside the transaction, sent by `outbox`
   *   (an OutboxDrainer from '@snorky/backend/typeorm/outbox'): survives outages and restarts;
   * - `'inline'`: sent once, awaited by save(), no retry (the former behaviour; `publishErrors`).
   */
  delivery?: 'background' | 'outbox' | 'inline';
  /** The OutboxDrainer woken after each commit, for `delivery: 'outbox'`. */
  outbox?: { wake(): void };
  /** `delivery: 'background'`: queue size and retry window. */
  background?: Omit<BackgroundPublisherOptions, 'logger'>;
  /**
   * `delivery: 'inline'` only: what a failed publish after commit does. `'log'` (default): log it
   * and carry on — the data is already committed. `'raise'`: reject the save()/transaction() call
   * with the publish error (after the commit).
   */
  publishErrors?: 'log' | 'raise';
  /** Default: console.error / console.warn (no debug lines). A Nest `Logger` fits. */
  logger?: SnorkySubscriberLogger;
}

/**
 * A TypeORM entity subscriber that publishes insert / update / delete deltas of `subscribable`
 * entities once their transaction commits (never for a rolled-back one), the Node counterpart of
 * the Django and Rails on-commit hooks. Deltas of one transaction go out as one `publishDeltas`
 * batch, in the order the changes were made; batches go out one at a time, in commit order.
 *
 *   const subscriber = new SnorkySubscriber(new SnorkyBackend({ url, key }));  // or the core's DataSyncPublisher
 *   subscriber.attach(dataSource);
 *
 * Savepoints (nested transactions) are followed: a rolled-back inner block drops its own deltas
 * only; a released one hands them to the enclosing transaction.
 */
export class SnorkySubscriber implements EntitySubscriberInterface<ObjectLiteral> {
  private readonly publishErrors: 'log' | 'raise';
  private readonly logger: SnorkySubscriberLogger;
  private readonly delivery: 'background' | 'outbox' | 'inline';
  private readonly outbox?: { wake(): void };
  /** The background sender ('background' delivery). */
  readonly sender?: BackgroundPublisher;
  /** Per query runner, one list of deltas per open transaction level (innermost last). */
  private readonly pending = new WeakMap<QueryRunner, Delta[][]>();
  /** delete data captured before remove (TypeORM clears the primary key of a removed entity). */
  private readonly removing = new WeakMap<ObjectLiteral, unknown>();
  /** Properties an updated entity had before save(): TypeORM then fills the others with null. */
  private readonly updating = new WeakMap<ObjectLiteral, Set<string>>();
  private readonly warned = new Set<string>();
  /** The last batch sent: the next one waits for it, so subscribers see batches in commit order. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly publisher: DeltaPublisher,
    options: SnorkySubscriberOptions = {},
  ) {
    this.publishErrors = options.publishErrors ?? 'log';
    this.logger = options.logger ?? { error: (m) => console.error(m), warn: (m) => console.warn(m) };
    this.delivery = options.delivery ?? 'background';
    if (this.delivery === 'outbox') {
      if (!options.outbox) throw new Error("SnorkySubscriber: delivery 'outbox' needs the outbox option (an OutboxDrainer)");
      this.outbox = options.outbox;
    }
    if (this.delivery === 'background') this.sender = new BackgroundPublisher(publisher, { ...options.background, logger: this.logger });
  }

  /**
   * Registers this subscriber with an initialized DataSource; returns it for chaining.
   * (initialize() replaces the DataSource's subscriber list, so attaching earlier would be lost.)
   */
  attach(dataSource: DataSource): this {
    if (!dataSource.isInitialized) {
      throw new Error('SnorkySubscriber.attach() needs an initialized DataSource: call it after dataSource.initialize()');
    }
    if (!dataSource.subscribers.includes(this)) dataSource.subscribers.push(this);
    this.dataSourceForOutbox = dataSource;
    return this;
  }

  /** Resolves when every batch handed over so far has been sent (or its failure handled). */
  async flush(): Promise<void> {
    await this.tail.catch(() => undefined);
    await this.sender?.flush();
  }

  // --- entity events -------------------------------------------------------------------------

  afterInsert(event: InsertEvent<ObjectLiteral>): Promise<void> | void {
    const registration = subscribableRegistration(event.metadata.target);
    if (!registration) return;
    const data = this.json(event.metadata, registration.toJson, mergedEntity(event.metadata, event.entity));
    return this.record(event.queryRunner, { type: 'insert', model: registration.model, data });
  }

  beforeUpdate(event: UpdateEvent<ObjectLiteral>): void {
    if (!event.entity || !subscribableRegistration(event.metadata.target)) return;
    const given = Object.keys(event.entity).filter((key) => event.entity![key] !== undefined);
    this.updating.set(event.entity, new Set(given));
  }

  afterUpdate(event: UpdateEvent<ObjectLiteral>): Promise<void> | void {
    const registration = subscribableRegistration(event.metadata.target);
    if (!registration) return;
    if (!event.databaseEntity) {
      // repository.update() / QueryBuilder.update(): TypeORM knows neither the rows nor their old state.
      this.warnOnce(registration.model, 'update', 'repository.update() or an update query builder');
      return;
    }
    const { metadata } = event;
    const oldData = this.json(metadata, registration.toJson, mergedEntity(metadata, event.databaseEntity));
    const changes = this.givenValues(event.entity);
    const newData = this.json(metadata, registration.toJson, mergedEntity(metadata, event.databaseEntity, changes));
    return this.record(event.queryRunner, { type: 'update', model: registration.model, newData, oldData });
  }

  beforeRemove(event: RemoveEvent<ObjectLiteral>): void {
    const registration = subscribableRegistration(event.metadata.target);
    if (!registration || !event.entity) return;
    const row = mergedEntity(event.metadata, event.databaseEntity ?? event.entity);
    this.removing.set(event.entity, this.json(event.metadata, registration.toJson, row));
  }

  afterRemove(event: RemoveEvent<ObjectLiteral>): Promise<void> | void {
    return this.recordDelete(event);
  }

  /** A soft-removed row leaves every subscription: a delete of the row as it was. */
  beforeSoftRemove(event: SoftRemoveEvent<ObjectLiteral>): void {
    this.beforeRemove(event);
  }

  afterSoftRemove(event: SoftRemoveEvent<ObjectLiteral>): Promise<void> | void {
    return this.recordDelete(event);
  }

  /** A recovered row comes back: an insert. */
  afterRecover(event: RecoverEvent<ObjectLiteral>): Promise<void> | void {
    const registration = subscribableRegistration(event.metadata.target);
    if (!registration || !event.entity) return;
    const { metadata } = event;
    const data = this.json(metadata, registration.toJson, mergedEntity(metadata, event.databaseEntity, event.entity));
    return this.record(event.queryRunner, { type: 'insert', model: registration.model, data });
  }

  // --- transaction events --------------------------------------------------------------------

  afterTransactionStart(event: TransactionStartEvent): void {
    const levels = this.pending.get(event.queryRunner) ?? [];
    levels.push([]);
    this.pending.set(event.queryRunner, levels);
  }

  /** Outbox delivery: the outermost transaction's deltas become rows of that very transaction. */
  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    if (this.delivery !== 'outbox') return;
    const levels = this.pending.get(event.queryRunner);
    if (!levels || levels.length !== 1 || levels[0].length === 0) return;
    await this.writeOutbox(event.queryRunner, levels[0]);
    levels[0] = []; // written: nothing left to publish after the commit
    this.outboxWritten.add(event.queryRunner);
  }

  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const levels = this.pending.get(event.queryRunner);
    const deltas = levels?.pop();
    if (!levels || !deltas) return;
    if (levels.length > 0) {
      levels[levels.length - 1].push(...deltas); // a savepoint released: the outer transaction decides
      return;
    }
    this.pending.delete(event.queryRunner);
    if (this.outboxWritten.delete(event.queryRunner)) this.outbox!.wake();
    if (deltas.length > 0) await this.publish(deltas);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const levels = this.pending.get(event.queryRunner);
    levels?.pop();
    if (levels && levels.length === 0) this.pending.delete(event.queryRunner);
  }

  // --- internals -----------------------------------------------------------------------------

  private recordDelete(event: RemoveEvent<ObjectLiteral> | SoftRemoveEvent<ObjectLiteral>): Promise<void> | void {
    const registration = subscribableRegistration(event.metadata.target);
    if (!registration) return;
    let data = event.entity ? this.removing.get(event.entity) : undefined;
    if (event.entity) this.removing.delete(event.entity);
    if (data === undefined && event.databaseEntity) {
      data = this.json(event.metadata, registration.toJson, mergedEntity(event.metadata, event.databaseEntity));
    }
    if (data === undefined) {
      this.warnOnce(registration.model, 'delete', 'repository.delete() or a delete query builder');
      return;
    }
    return this.record(event.queryRunner, { type: 'delete', model: registration.model, data });
  }

  /**
   * The values save() was given, plus what TypeORM generated (update date, version), without the nulls
   * it writes into properties a partial entity did not have (those columns kept their stored values).
   */
  private givenValues(entity: ObjectLiteral | undefined): ObjectLiteral | undefined {
    const given = entity ? this.updating.get(entity) : undefined;
    if (!entity || !given) return entity;
    this.updating.delete(entity);
    const values: ObjectLiteral = {};
    for (const [key, value] of Object.entries(entity)) {
      if (value === null && !given.has(key)) continue;
      values[key] = value;
    }
    return values;
  }

  private json(metadata: EntityMetadata, toJson: ((entity: any) => unknown) | undefined, entity: ObjectLiteral): unknown {
    return jsonSnapshot(toJson ? toJson(entity) : columnsToJson(metadata, entity));
  }

  /** Keeps the delta for the open transaction, or (no transaction: already committed) sends it now. */
  private record(queryRunner: QueryRunner | undefined, delta: Delta): Promise<void> | void {
    const levels = queryRunner ? this.pending.get(queryRunner) : undefined;
    if (queryRunner?.isTransactionActive && levels && levels.length > 0) {
      levels[levels.length - 1].push(delta);
      return;
    }
    return this.publish([delta]);
  }

  private publish(deltas: Delta[]): Promise<void> | void {
    if (this.delivery === 'background') {
      this.sender!.submit(deltas);
      return;
    }
    if (this.delivery === 'outbox') {
      // Autocommit (no transaction): the change is committed; its rows go out on their own.
      return this.writeOutboxNow(deltas);
    }
    const batchId = newBatchId();
    const sent = this.tail.catch(() => undefined).then(() => this.publisher.publishDeltas(deltas, undefined, batchId));
    this.tail = sent;
    this.logger.debug?.(`snorky: publishing ${deltas.length} delta(s)`);
    return sent.then(
      () => undefined,
      (error) => {
        if (this.publishErrors === 'raise') throw error;
        const what = deltas.map((d) => `${d.type} ${d.model}`).join(', ');
        this.logger.error(`snorky: could not publish deltas (${what}): ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      },
    );
  }

  private readonly outboxWritten = new WeakSet<QueryRunner>();
  private dataSourceForOutbox?: DataSource;

  private async writeOutboxNow(deltas: Delta[]): Promise<void> {
    const runner = this.dataSourceForOutbox!.createQueryRunner();
    try {
      await this.writeOutbox(runner, deltas);
    } finally {
      await runner.release();
    }
    this.outbox!.wake();
  }

  private async writeOutbox(queryRunner: QueryRunner, deltas: Delta[]): Promise<void> {
    const batchId = newBatchId();
    const rows = deltas.map((delta) => ({ batchId, delta: JSON.stringify(delta) }));
    // By entity name: this file must not load TypeORM itself (see typeorm/outbox.ts).
    await queryRunner.manager.insert('SnorkyOutbox', rows);
  }

  private warnOnce(model: string, kind: string, via: string): void {
    const key = `${model}:${kind}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    (this.logger.warn ?? this.logger.error).call(
      this.logger,
      `snorky: a ${kind} of ${model} made through ${via} carries no rows; no delta sent (publish it yourself with publishDeltas)`,
    );
  }
}
