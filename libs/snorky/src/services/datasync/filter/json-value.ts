import stableStringify from 'fast-json-stable-stringify';

/**
 * JSON values compared by value: `{"a":1,"b":2}` equals `{"b":2,"a":1}`.
 * Queries and channel-like keys arrive as parsed JSON, so only JSON types matter here.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const aIsArray = Array.isArray(a);
  if (aIsArray !== Array.isArray(b)) return false;
  if (aIsArray) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!jsonEqual(x[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const k of keys) {
    if (!Object.prototype.hasOwnProperty.call(y, k) || !jsonEqual(x[k], y[k])) return false;
  }
  return true;
}

/**
 * A string that is equal for two JSON values exactly when `jsonEqual` holds, used as a Map key
 * (index buckets, simple-dealer keys). Primitives get a cheap type-tagged form so `1` and `"1"`
 * never collide; objects and arrays fall back to a key-order-independent serialization.
 * Returns undefined for values that are not JSON (undefined, functions): they match nothing.
 */
export function jsonKey(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return 's' + value;
    case 'number':
      return Number.isFinite(value) ? 'n' + String(value) : undefined;
    case 'boolean':
      return value ? 'T' : 'F';
    case 'object':
      return value === null ? 'z' : 'j' + stableStringify(value);
    default:
      return undefined;
  }
}
