import { ValidateBy, ValidationOptions } from 'class-validator';
import type { JournalPosition } from '../broker/journal';

/** Epochs are UUIDs (memory journals) or Redis-made ids; anything much longer is not one of ours. */
const MAX_EPOCH_LENGTH = 64;

/**
 * A journal position as a client sends it back: exactly `{"epoch": <non-empty string>, "seq": <integer ≥ 0>}`.
 * Any other key (`__proto__` included: JSON is data) makes it something else.
 */
export function isJournalPosition(value: unknown): value is JournalPosition {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 2 || !keys.includes('epoch') || !keys.includes('seq')) return false;
  const { epoch, seq } = value as Record<string, unknown>;
  return typeof epoch === 'string' && epoch.length > 0 && epoch.length <= MAX_EPOCH_LENGTH && Number.isSafeInteger(seq) && (seq as number) >= 0;
}

/** An optional journal position param: absent, or exactly a position (null is not one). */
export function IsOptionalJournalPosition(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isOptionalJournalPosition', validator: { validate: (value: unknown) => value === undefined || isJournalPosition(value) } }, options);
}
