/**
 * The original's filter dealer algorithm, kept as the reference: interpret the raw JSON
 * expression against the object, every time, for every subscription. Written independently of
 * the compiled matcher (filter-expression.ts) on purpose, so the property test compares two
 * implementations rather than one with itself. Semantics are PROTOCOL.md §4 with its fixes
 * (dotted fields work). Only called on expressions that parseFilter accepted.
 */
const hasOwn = Object.prototype.hasOwnProperty;

function getField(obj: unknown, name: string): { found: boolean; value?: unknown } {
  let value = obj;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !hasOwn.call(value, part)) {
      return { found: false };
    }
    value = (value as Record<string, unknown>)[part];
  }
  return { found: true, value };
}

function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (a !== null && typeof a === 'object') {
    if (b === null || typeof b !== 'object' || Array.isArray(b)) return false;
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return (
      ka.length === kb.length &&
      ka.every((k, i) => k === kb[i] && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return a === b;
}

function orderable(a: unknown, b: unknown): boolean {
  return (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
}

export function naiveFilterMatches(expression: unknown, obj: unknown): boolean {
  const [op, ...args] = expression as unknown[];
  if (op === 'not') return !naiveFilterMatches(args[0], obj);
  if (op === 'and') return args.every((e) => naiveFilterMatches(e, obj));
  if (op === 'or') return args.some((e) => naiveFilterMatches(e, obj));
  const field = getField(obj, args[0] as string);
  if (!field.found) return false;
  const a = field.value as number | string;
  const b = args[1] as number | string;
  if (op === '==') return sameJson(a, b);
  if (!orderable(a, b)) return false;
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  if (op === '>') return a > b;
  if (op === '>=') return a >= b;
  return false;
}
