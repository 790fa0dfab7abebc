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
