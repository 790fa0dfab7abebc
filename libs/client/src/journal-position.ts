/**
 * A place in a service's journal on the server: every batch the server routes for a service has one,
 * in order. A client that resumes hands back the last position it has seen.
 */
export interface JournalPosition {
  /** Changes when the server's journal starts over; positions of different epochs are not comparable. */
  epoch: string;
  /** Sequence number in the epoch; 0 = before the first batch. */
  seq: number;
}

/** The server's JSON is checked before it is trusted as a position. */
export function isJournalPosition(value: unknown): value is JournalPosition {
  if (value === null || typeof value !== 'object') return false;
  const { epoch, seq } = value as Record<string, unknown>;
  return typeof epoch === 'string' && typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0;
}

/** Whether `position` is at or before `last` in the same journal: something already seen. */
export function notAfter(position: JournalPosition, last: JournalPosition | null | undefined): boolean {
  return !!last && position.epoch === last.epoch && position.seq <= last.seq;
}
