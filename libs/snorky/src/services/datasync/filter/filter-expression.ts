import { FieldPath, MISSING, parseFieldPath, readField } from './field-path';
import { jsonEqual, jsonKey } from '../../../protocol/json-value';

/**
 * Filter expressions of the filter dealer, in the prefix notation of PROTOCOL.md §4:
 *   ["==", field, value]  ["<", f, v]  ["<=", f, v]  [">", f, v]  [">=", f, v]
 *   ["not", e]  ["and", e1, e2, ...]  ["or", e1, e2, ...]
 * They are parsed (and so validated) once, at authorizeSubscription, into a compiled tree;
 * matching never throws.
 */
export type OrderingOperator = '<' | '<=' | '>' | '>=';

export type CompiledFilter =
  | { readonly op: '=='; readonly field: string; readonly path: FieldPath; readonly value: unknown; readonly key: string }
  | { readonly op: OrderingOperator; readonly field: string; readonly path: FieldPath; readonly value: number | string }
  | { readonly op: 'not'; readonly arg: CompiledFilter }
  | { readonly op: 'and' | 'or'; readonly args: readonly CompiledFilter[] };

/** Thrown by parseFilter; its message says what is wrong, for the RPC error. */
export class FilterSyntaxError extends Error {
  override name = 'FilterSyntaxError';
}

/** Bounds so a hostile query cannot blow the stack or hold a huge tree per subscription. */
export const MAX_FILTER_DEPTH = 32;
export const MAX_FILTER_NODES = 1000;

export function parseFilter(expression: unknown): CompiledFilter {
  const counter = { nodes: 0 };
  return parseNode(expression, 1, counter);
}

function describe(op: unknown): string {
  return typeof op === 'string' ? JSON.stringify(op) : String(op);
}

function parseNode(expr: unknown, depth: number, counter: { nodes: number }): CompiledFilter {
  if (depth > MAX_FILTER_DEPTH) throw new FilterSyntaxError(`nested deeper than ${MAX_FILTER_DEPTH} levels`);
  if (++counter.nodes > MAX_FILTER_NODES) throw new FilterSyntaxError(`more than ${MAX_FILTER_NODES} expressions`);
  if (!Array.isArray(expr) || expr.length === 0) {
    throw new FilterSyntaxError(`expected a list like ["==", field, value], got ${JSON.stringify(expr) ?? String(expr)}`);
  }
  const op = expr[0];
  switch (op) {
    case '==':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (expr.length !== 3) throw new FilterSyntaxError(`"${op}" takes a field and a value`);
      const field = expr[1];
      if (typeof field !== 'string') throw new FilterSyntaxError(`the field of "${op}" must be a string`);
      const path = parseFieldPath(field);
      if (!path) throw new FilterSyntaxError(`invalid field name ${JSON.stringify(field)}`);
      const value = expr[2];
      if (op === '==') {
        const key = jsonKey(value);
        if (key === undefined) throw new FilterSyntaxError(`the value of "==" must be a JSON value`);
        return { op, field, path, value, key };
      }
      if (!((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string')) {
        throw new FilterSyntaxError(`the value of "${op}" must be a number or a string`);
      }
      return { op, field, path, value };
    }
    case 'not':
      if (expr.length !== 2) throw new FilterSyntaxError(`"not" takes exactly one expression`);
      return { op, arg: parseNode(expr[1], depth + 1, counter) };
    case 'and':
    case 'or': {
      if (expr.length < 2) throw new FilterSyntaxError(`"${op}" takes at least one expression`);
      const args: CompiledFilter[] = [];
      for (let i = 1; i < expr.length; i++) args.push(parseNode(expr[i], depth + 1, counter));
      return { op, args };
    }
    default:
      throw new FilterSyntaxError(`unknown operator ${describe(op)}`);
  }
}

/**
 * Does `obj` satisfy the filter? A missing field, or an ordering comparison between values
 * that are not both numbers or both strings, makes that comparison false — never an error.
 * ("not" of such a comparison is therefore true, as in the original.)
 */
export function matchFilter(filter: CompiledFilter, obj: unknown): boolean {
  switch (filter.op) {
    case '==': {
      const v = readField(obj, filter.path);
      return v !== MISSING && jsonEqual(v, filter.value);
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const v = readField(obj, filter.path);
      const w = filter.value;
      if (typeof v !== typeof w) return false; // also rules out MISSING, booleans, null, objects
      const a = v as number | string;
      switch (filter.op) {
        case '<':
          return a < w;
        case '<=':
          return a <= w;
        case '>':
          return a > w;
        default:
          return a >= w;
      }
    }
    case 'not':
      return !matchFilter(filter.arg, obj);
    case 'and':
      for (const arg of filter.args) if (!matchFilter(arg, obj)) return false;
      return true;
    case 'or':
      for (const arg of filter.args) if (matchFilter(arg, obj)) return true;
      return false;
  }
}

/**
 * The `field == value` that every object matching the filter must satisfy, if the filter
 * states one at its top or inside a (possibly nested) "and": the index key of the filter dealer.
 */
export function requiredEquality(filter: CompiledFilter): Extract<CompiledFilter, { op: '==' }> | undefined {
  if (filter.op === '==') return filter;
  if (filter.op === 'and') {
    for (const arg of filter.args) {
      const eq = requiredEquality(arg);
      if (eq) return eq;
    }
  }
  return undefined;
}
