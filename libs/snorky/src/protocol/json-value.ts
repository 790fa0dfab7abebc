/**
 * How JSON values are handled once they enter (PROTOCOL §1, "JSON is data" and "Cost is bounded by
 * size"). Values come from JSON.parse, which keeps every key — `__proto__` included — as an own
 * data property of a plain object. Everything here reads own keys only (Object.keys, hasOwn), so a
 * key's name never reaches Object.prototype; and everything is iterative, so no nesting depth can
 * overflow the stack. Costs are linear in the value's size (plus sorting each object's keys).
 */

/** Default nesting limit of a frame (objects and arrays, the envelope included). */
export const DEFAULT_MAX_JSON_DEPTH = 64;

const hasOwn = Object.prototype.hasOwnProperty;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Does this JSON text nest objects/arrays deeper than `maxDepth`? One pass over the raw text,
 * before JSON.parse, so a deep frame is refused without building it. Works on UTF-8 bytes too:
 * multi-byte sequences never contain quotes, backslashes or brackets. Malformed text is left to
 * JSON.parse.
 */
export function textNestsDeeperThan(text: string | Buffer, maxDepth: number): boolean {
  const isString = typeof text === 'string';
  const length = text.length;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < length; i++) {
    const c = isString ? (text as string).charCodeAt(i) : (text as Buffer)[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** Does this (already parsed) value nest objects/arrays deeper than `maxDepth`? Iterative. */
export function valueNestsDeeperThan(value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const current = values.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return true;
    const children: unknown[] = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/** An object or array being written by canonicalJson. */
interface OpenContainer {
  /** The array, or the object whose `keys` (sorted) are written in order. */
  readonly source: Record<string, unknown> | readonly unknown[];
  readonly keys: readonly string[] | undefined;
  next: number;
  /** Whether a member was written yet (undefined object members are skipped, so not `next > 0`). */
  wrote: boolean;
}

/** Keys that JSON.stringify would write as-is between quotes (the common case: skip the call). */
const PLAIN_KEY = /^[\w$ .:@/-]*$/;

/**
 * JSON with every object's keys sorted: equal for two values exactly when `jsonEqual` holds.
 * The identity of a PubSub channel and the key of a simple dealer. Same output as
 * fast-json-stable-stringify (undefined members skipped, non-finite numbers as null) but built
 * with an explicit stack of open containers instead of recursion.
 */
export function canonicalJson(value: unknown): string {
  let out = '';
  const open: OpenContainer[] = [];
  let pending: unknown = value;
  for (;;) {
    if (pending !== undefined) {
      if (pending === null || typeof pending !== 'object') {
        out += JSON.stringify(pending) ?? 'null';
      } else if (Array.isArray(pending)) {
        out += '[';
        open.push({ source: pending, keys: undefined, next: 0, wrote: false });
      } else {
        out += '{';
        open.push({ source: pending as Record<string, unknown>, keys: Object.keys(pending).sort(), next: 0, wrote: false });
      }
      pending = undefined;
    }
    const top = open[open.length - 1];
    if (top === undefined) return out;
    const { keys } = top;
    const length = keys ? keys.length : (top.source as unknown[]).length;
    if (top.next === length) {
      out += keys ? '}' : ']';
      open.pop();
      continue;
    }
    const i = top.next++;
    let member: unknown;
    if (keys) {
      const key = keys[i];
      member = (top.source as Record<string, unknown>)[key];
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
      out += (top.wrote ? ',"' : '"') + (PLAIN_KEY.test(key) ? key : JSON.stringify(key).slice(1, -1)) + '":';
    } else {
      member = (top.source as unknown[])[i];
      if (top.wrote) out += ',';
    }
    top.wrote = true;
    if (member === null || typeof member !== 'object') out += JSON.stringify(member) ?? 'null';
    else pending = member;
  }
}

/**
 * JSON values compared by value: `{"a":1,"b":2}` equals `{"b":2,"a":1}`; `{"a":1,"__proto__":2}`
 * equals only a value with both keys. Iterative.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const left: unknown[] = [a];
  const right: unknown[] = [b];
  while (left.length > 0) {
    const x = left.pop();
    const y = right.pop();
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    const xIsArray = Array.isArray(x);
    if (xIsArray !== Array.isArray(y)) return false;
    if (xIsArray) {
      const xs = x as unknown[];
      const ys = y as unknown[];
      if (xs.length !== ys.length) return false;
      for (let i = 0; i < xs.length; i++) {
        left.push(xs[i]);
        right.push(ys[i]);
      }
      continue;
    }
    const xr = x as Record<string, unknown>;
    const yr = y as Record<string, unknown>;
    const keys = Object.keys(xr);
    if (keys.length !== Object.keys(yr).length) return false;
    for (const k of keys) {
      if (!hasOwn.call(yr, k)) return false;
      left.push(xr[k]);
      right.push(yr[k]);
    }
  }
  return true;
}

/**
 * A string that is equal for two JSON values exactly when `jsonEqual` holds, used as a Map key
 * (filter index buckets, simple-dealer keys). Primitives get a cheap type-tagged form so `1` and
 * `"1"` never collide; objects and arrays use `canonicalJson`.
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
      return value === null ? 'z' : 'j' + canonicalJson(value);
    default:
      return undefined;
  }
}
