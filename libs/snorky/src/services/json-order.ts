import { canonicalJson } from '../protocol/json-value';

const RANK: Record<string, number> = { null: 0, boolean: 1, number: 2, string: 3, array: 4, object: 5 };

function rank(value: unknown): number {
  if (value === null) return RANK.null;
  if (Array.isArray(value)) return RANK.array;
  return RANK[typeof value] ?? RANK.object;
}

/**
 * A total order on JSON values (PROTOCOL §8 Fix: names of mixed types sort without error):
 * null, booleans, numbers, strings, arrays, objects; within a type by value (arrays and objects by
 * their canonical JSON).
 */
export function compareJson(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' || typeof a === 'boolean') return Number(a) - Number(b);
  const sa = typeof a === 'string' ? a : canonicalJson(a);
  const sb = typeof b === 'string' ? (b as string) : canonicalJson(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
