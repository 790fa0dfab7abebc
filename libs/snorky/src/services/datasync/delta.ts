import { DataSyncError, DataSyncErrorText } from './datasync-error';

/** A change notification (PROTOCOL.md §4), as delivered to clients. */
export type InsertDelta = { type: 'insert'; model: string; data: unknown };
export type DeleteDelta = { type: 'delete'; model: string; data: unknown };
export type UpdateDelta = { type: 'update'; model: string; newData: unknown; oldData: unknown };
export type Delta = InsertDelta | UpdateDelta | DeleteDelta;

const hasOwn = Object.prototype.hasOwnProperty;

function field(delta: Record<string, unknown>, name: string): unknown {
  if (!hasOwn.call(delta, name)) throw new DataSyncError(DataSyncErrorText.missingField(name));
  return delta[name];
}

/**
 * Validates one delta as the original did (fields read in the same order, same error texts)
 * and returns it normalized to exactly the protocol's fields.
 */
export function parseDelta(raw: unknown): Delta {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DataSyncError(DataSyncErrorText.invalidParams);
  }
  const d = raw as Record<string, unknown>;
  const type = field(d, 'type');
  const model = field(d, 'model');
  if (typeof model !== 'string') throw new DataSyncError(DataSyncErrorText.modelMustBeString);
  switch (type) {
    case 'insert':
    case 'delete':
      return { type, model, data: field(d, 'data') };
    case 'update':
      return { type, model, newData: field(d, 'newData'), oldData: field(d, 'oldData') };
    default:
      throw new DataSyncError(DataSyncErrorText.invalidDeltaType);
  }
}

/** Validates a whole batch before anything is delivered (PROTOCOL.md §4 Fix). */
export function parseDeltas(raw: unknown): Delta[] {
  if (!Array.isArray(raw)) throw new DataSyncError(DataSyncErrorText.invalidParams);
  return raw.map(parseDelta);
}
