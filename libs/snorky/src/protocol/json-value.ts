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

/**
 * JSON with every object's keys sorted: equal for two values exactly when `jsonEqual` holds.
 * The identity of a PubSub channel and the key of a simple dealer. Same output as
 * fast-json-stable-stringify (undefined members skipped, non-finite numbers as null) but built
 * with an explicit stack instead of recursion.
 */
export function canonicalJson(value: unknown): string {
  // Two parallel stacks: a literal piece of output to append, or a value still to write.
  const literal: boolean[] = [false];
  const items: unknown[] = [value];
  let out = '';
  while (items.length > 0) {
    const isLiteral = literal.pop();
    const item = items.pop();
    if (isLiteral) {
      out += item as string;
    } else if (item === null || typeof item !== 'object') {
      out += JSON.stringify(item) ?? 'null';
    } else if (Array.isArray(item)) {
      literal.push(true);
      items.push(']');
      for (let i = item.length - 1; i >= 0; i--) {
        literal.push(false);
        items.push(item[i]);
        if (i > 0) {
          literal.push(true);
          items.push(',');
        }
      }
      out += '[';
    } else {
      const record = item as Record<string, unknown>;
      const keys = Object.keys(record).filter((k) => isWritten(record[k])).sort();
      literal.push(true);
      items.push('}');
      for (let i = keys.length - 1; i >= 0; i--) {
        literal.push(false);
        items.push(record[keys[i]]);
        literal.push(true);
        items.push((i > 0 ? ',' : '') + JSON.stringify(keys[i]) + ':');
      }
      out += '{';
    }
  }
  return out;
}

function isWritten(member: unknown): boolean {
  return member !== undefined && typeof member !== 'function' && typeof member !== 'symbol';
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
