/**
 * Journaled broadcast channels: every broadcast on them gets a sequence number (per channel, in
 * the one order every node sees) and is kept for a while, so that a node can read back the
 * broadcasts between two positions — DataSync uses this to hand an authorized subscription to
 * whichever node its client is on (docs/scaling-out.md).
 */
export interface JournalPosition {
  /** Changes when the journal starts over (e.g. Redis restarted without persistence). */
  epoch: string;
  /** Sequence number of a broadcast; 0 = before the first. */
  seq: number;
}

export interface JournalOptions {
  /** How long broadcasts are kept, in ms. */
  retentionMs: number;
  /** At most this many broadcasts are kept. Default 100 000. */
  maxEntries?: number;
}

export const DEFAULT_JOURNAL_MAX_ENTRIES = 100_000;

export function samePosition(a: JournalPosition, b: JournalPosition): boolean {
  return a.epoch === b.epoch && a.seq === b.seq;
}

/** Longest epoch accepted from a client (ours are UUIDs or 16-byte hex strings). */
const MAX_EPOCH_LENGTH = 128;
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * A position a client sends back (resuming): exactly `{"epoch": string, "seq": integer ≥ 0}`;
 * undefined for anything else (the caller answers `Invalid params`).
 */
export function parsePosition(raw: unknown): JournalPosition | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const keys = Object.keys(raw);
  if (keys.length !== 2 || !hasOwn.call(raw, 'epoch') || !hasOwn.call(raw, 'seq')) return undefined;
  const { epoch, seq } = raw as Record<string, unknown>;
  if (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > MAX_EPOCH_LENGTH) return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  return { epoch, seq };
}
