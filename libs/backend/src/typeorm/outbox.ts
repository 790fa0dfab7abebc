/**
 * Durable outbox for the TypeORM connector (not exported from the package root, so that apps
 * without TypeORM never load it): `import { SnorkyOutbox, OutboxDrainer } from '@snorky/backend/typeorm/outbox'`.
 *
 *   const dataSource = new DataSource({ ..., entities: [Task, SnorkyOutbox] });   // + a migration, or synchronize
 *   await dataSource.initialize();
 *   const outbox = new OutboxDrainer(dataSource, new SnorkyBackend({ url, key })).start();
 *   new SnorkySubscriber(outbox.publisher, { delivery: 'outbox', outbox }).attach(dataSource);
 *
 * Each transaction's deltas are inserted into `snorky_outbox` inside that transaction (before its
 * COMMIT); the drainer sends them, one batch per transaction (batch id = the transaction's), and
 * deletes them once Snorky acknowledged. Rows left by a crash or an outage go out when any process
 * of the app runs its drainer again.
 */
import { DataSource, EntitySchema } from 'typeorm';
import { backoffDelay, BackgroundPublisherLogger } from '../background-publisher';
import { Delta, DeltaPublisher } from '../delta';
import { SnorkyError, SnorkyTransportError } from '../errors';

export interface OutboxRow {
  id: number;
  batchId: string;
  /** The delta as JSON text. */
  delta: string;
  createdAt: Date;
}

export const OUTBOX_ENTITY = 'SnorkyOutbox';

export const SnorkyOutbox = new EntitySchema<OutboxRow>({
  name: OUTBOX_ENTITY,
  tableName: 'snorky_outbox',
  columns: {
    id: { type: Number, primary: true, generated: true },
    batchId: { type: String, length: 64 },
    delta: { type: 'text' },
    createdAt: { type: Date, createDate: true },
  },
  indices: [{ name: 'snorky_outbox_batch', columns: ['batchId'] }],
});

/** Milliseconds between looks at the table when nothing woke the drainer (rows of other processes). */
const POLL_MS = 5000;
const MAX_DELAY_MS = 30_000;
const BATCHES_PER_ROUND = 100;

export class OutboxDrainer {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  private stopped = true;
  private readonly logger: BackgroundPublisherLogger;

  constructor(
    readonly dataSource: DataSource,
    readonly publisher: DeltaPublisher,
    options: { logger?: BackgroundPublisherLogger; service?: string } = {},
  ) {
    this.logger = options.logger ?? { error: (m) => console.error(m), warn: (m) => console.warn(m) };
    this.service = options.service;
  }

  private readonly service: string | undefined;

  /** Starts draining (a first round at once: rows left from before a restart). */
  start(): this {
    this.stopped = false;
    this.wake();
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** A transaction committed rows: drain now (or right after the round in progress). */
  wake(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    if (this.round) {
      this.again = true;
      return;
    }
    this.round = this.drainLoop().finally(() => (this.round = undefined));
  }

  /** Resolves once a round found nothing left, or failed (rows kept). */
  async flush(): Promise<void> {
    while (this.round) await this.round;
  }

  /** Sends every complete batch in the table, oldest first; [sent, failure that stopped it]. */
  async drainOnce(): Promise<[number, SnorkyTransportError | undefined]> {
    const rows = this.dataSource.getRepository<OutboxRow>(OUTBOX_ENTITY);
    let sent = 0;
    for (;;) {
      const batches: { batchId: string }[] = await rows
        .createQueryBuilder('o')
        .select('o.batchId', 'batchId')
        .groupBy('o.batchId')
        .orderBy('MIN(o.id)')
        .limit(BATCHES_PER_ROUND)
        .getRawMany();
      if (batches.length === 0) return [sent, undefined];
      for (const { batchId } of batches) {
        const group = await rows.find({ where: { batchId }, order: { id: 'ASC' } });
        const deltas = group.map((row) => JSON.parse(row.delta) as Delta);
        try {
          await this.publisher.publishDeltas(deltas, this.service, batchId);
        } catch (error) {
          if (error instanceof SnorkyTransportError) return [sent, error]; // kept: sent again on the next round
          if (!(error instanceof SnorkyError)) throw error;
          // The batch itself is refused: sending it again cannot help.
          this.logger.error(`snorky: outbox batch ${batchId} of ${deltas.length} deltas refused, deleted: ${error.message}`);
        }
        await rows.delete(group.map((row) => row.id));
        sent++;
      }
    }
  }

  private async drainLoop(): Promise<void> {
    do {
      this.again = false;
      let failure: unknown;
      try {
        [, failure] = await this.drainOnce();
      } catch (error) {
        failure = error; // the table is missing (not migrated yet), the database is away...
      }
      if (failure) {
        this.failures++;
        const text = failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure);
        const transient = failure instanceof SnorkyTransportError && failure.transient;
        const verb = failure instanceof SnorkyTransportError && failure.timedOut ? 'timed out (may have been delivered)' : 'failed';
        (transient ? (this.logger.warn ?? this.logger.error) : this.logger.error).call(this.logger, `snorky: outbox send ${verb}; rows kept, retrying: ${text}`);
        this.schedule(backoffDelay(this.failures, 200, MAX_DELAY_MS));
        return;
      }
      this.failures = 0;
    } while (this.again && !this.stopped);
    this.schedule(POLL_MS);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), ms);
    this.timer.unref?.();
  }
}
