/** Marker for "the object has no such field" — distinct from a field whose value is null. */
export const MISSING: unique symbol = Symbol('missing field');
export type FieldValue = unknown | typeof MISSING;

/** A dotted field name split once at parse time: "player.color" -> ["player", "color"]. */
export type FieldPath = readonly string[];

export function parseFieldPath(field: string): FieldPath | undefined {
  if (field.length === 0) return undefined;
  const parts = field.split('.');
  return parts.some((p) => p.length === 0) ? undefined : parts;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Reads `obj.a.b.c` for the path [a, b, c]. Only own properties of plain JSON objects are
 * followed (never arrays, never the prototype chain: "constructor" or "__proto__" in a filter
 * must not reach Object.prototype). Anything else is MISSING, which every comparison treats
 * as no match.
 */
export function readField(obj: unknown, path: FieldPath): FieldValue {
  let current: unknown = obj;
  for (let i = 0; i < path.length; i++) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return MISSING;
    const name = path[i];
    if (!hasOwn.call(current, name)) return MISSING;
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}
