import { randomUUID } from 'crypto';
import { Delta, DeltaPublisher } from './delta';
import { SnorkyError, SnorkyTransportError } from './errors';

export const DEFAULT_MAX_QUEUE = 10_000;
/** Milliseconds a batch is retried before it is given up (below Snorky's 900 s dedup window). */
export const DEFAULT_RETRY_FOR_MS = 600_000;
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 10_000;

export interface BackgroundPublisherLogger {
  error(message: string): void;
  warn?(message: string): void;
  debug?(message: string): void;
}

export interface BackgroundPublisherOptions {
  /** Batches held while Snorky is unreachable; beyond, the oldest is dropped with an error line. */
  maxQueue?: number;
  retryForMs?: number;
  logger?: BackgroundPublisherLogger;
  /** The DataSync backend service, passed to `publishDeltas`; default: the publisher's own. */
  service?: string;
}

export function newBatchId(): string {
  return randomUUID().replace(/-/g, '');
}

/** Full jitter: a random wait up to first·2^attempt, at most `cap` ms. */
export function backoffDelay(attempt: number, first = FIRST_DELAY_MS, cap = MAX_DELAY_MS): number {
  return Math.random() * Math.min(cap, first * 2 ** attempt);
}

/** Whether sending again may succeed (an RPC error or a 4xx never does). */
export function isTransient(error: unknown): boolean {
  return error instanceof SnorkyTransportError && error.transient;
}

/**
 * At-least-once publishing of delta batches, off the caller's path: `submit` queues one batch (one
 * transaction's deltas) with a batch id and returns at once; batches are sent one at a time, in
 * order, and transient failures (refused, reset, timeout, 5xx, 503) are retried with exponential
 * backoff and full jitter — at once after a reset. Snorky deduplicates by batch id, so a retry
 * after a lost reply is never delivered twice. An RPC error or a 4xx (wrong key) is logged, not
 * retried, never thrown at the caller.
 */
export class BackgroundPublisher {
  dropped = 0;
  private readonly queue: { batchId: string; deltas: Delta[] }[] = [];
  private readonly maxQueue: number;
  private readonly retryForMs: number;
  private readonly logger: BackgroundPublisherLogger;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly publisher: DeltaPublisher,
    private readonly options: BackgroundPublisherOptions = {},
  ) {
    this.maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    this.retryForMs = options.retryForMs ?? DEFAULT_RETRY_FOR_MS;
    this.logger = options.logger ?? { error: (m) => console.error(m), warn: (m) => console.warn(m) };
  }

  /** Queues one batch; never blocks, never throws. Returns its id. */
  submit(deltas: Delta[], batchId: string = newBatchId()): string {
    if (deltas.length === 0) return batchId;
    if (this.queue.length >= this.maxQueue) {
      const old = this.queue.shift()!;
      this.dropped++;
      this.logger.error(`snorky: publish queue full (${this.maxQueue} batches, Snorky unreachable?): batch ${old.batchId} of ${old.deltas.length} deltas dropped`);
    }
    this.queue.push({ batchId, deltas });
    this.running ??= this.run().finally(() => (this.running = undefined));
    return batchId;
  }

  /** Resolves once every queued batch was sent or given up. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops retrying; what is still queued is dropped (with an error line). */
  close(): void {
    this.closed = true;
    if (this.queue.length > 0) this.logger.error(`snorky: publisher closed with ${this.queue.length} batches unsent`);
    this.queue.length = 0;
  }

  /** Sends until delivered, refused for good, or retryForMs passed; true when delivered. Never throws. */
  async sendWithRetry(batchId: string, deltas: Delta[]): Promise<boolean> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.publisher.publishDeltas(deltas, this.options.service, batchId);
        if (attempt > 0) this.logger.debug?.(`snorky: batch ${batchId} delivered after ${attempt} retries`);
        return true;
      } catch (error) {
        const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        if (!isTransient(error)) {
          const kind = error instanceof SnorkyError || error instanceof SnorkyTransportError ? 'refused, not retried' : 'cannot be sent';
          this.logger.error(`snorky: batch ${batchId} of ${deltas.length} deltas ${kind}: ${text}`);
          return false;
        }
        const waited = Date.now() - started;
        if (waited >= this.retryForMs || this.closed) {
          this.logger.error(`snorky: batch ${batchId} of ${deltas.length} deltas given up after ${attempt + 1} attempts in ${Math.round(waited / 1000)} s: ${text}`);
          return false;
        }
        const failure = error as SnorkyTransportError;
        // A timed-out request may have been delivered: the retry carries the same id.
        const verb = failure.timedOut ? 'timed out (may have been delivered)' : 'failed';
        const delay = attempt === 0 && failure.reset ? 0 : backoffDelay(attempt);
        (this.logger.warn ?? this.logger.error).call(this.logger, `snorky: batch ${batchId} ${verb}, retrying in ${(delay / 1000).toFixed(2)} s: ${text}`);
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async run(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      await this.sendWithRetry(next.batchId, next.deltas);
    }
  }
}
