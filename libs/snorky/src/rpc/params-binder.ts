import { getMetadataStorage, validateSync, ValidationTypes } from 'class-validator';
import type { ParamsMode } from './command-table';

/** Raised when params do not fit the command; the caller answers `Invalid params`. */
export class InvalidParamsError extends Error {}

type DtoClass = new () => object;

/** What binding needs to know of a DTO class, read once from class-validator's metadata. */
interface DtoShape {
  /** The declared (decorated) properties: the only param names accepted. */
  readonly properties: ReadonlySet<string>;
  /** `@ValidateNested()` properties whose declared type is itself a DTO class. */
  readonly nested: ReadonlyMap<string, DtoClass>;
}

const shapes = new WeakMap<DtoClass, DtoShape>();
const PLAIN_TYPES: unknown[] = [Object, Array, String, Number, Boolean];

function shapeOf(type: DtoClass): DtoShape {
  let shape = shapes.get(type);
  if (shape) return shape;
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(type, '', false, false);
  const properties = new Set(metadatas.map((m) => m.propertyName));
  const nested = new Map<string, DtoClass>();
  for (const m of metadatas) {
    if (m.type !== ValidationTypes.NESTED_VALIDATION || m.each) continue;
    const declared: unknown = Reflect.getMetadata('design:type', type.prototype, m.propertyName);
    if (typeof declared === 'function' && !PLAIN_TYPES.includes(declared)) nested.set(m.propertyName, declared as DtoClass);
  }
  shape = { properties, nested };
  shapes.set(type, shape);
  return shape;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A DTO instance holding the given params. Unknown names are refused here, in one pass over the
 * params' own keys against a Set: whatever the name (`__proto__`, `constructor`, `toString`...),
 * it is data, never looked up on a prototype. Only declared properties are assigned, so values are
 * kept exactly as parsed (never copied, never walked): binding costs O(number of params).
 *
 * (Not class-transformer's plainToInstance: it walks every nested value, drops keys named like
 * Object.prototype members, throws on `constructor`, and filters duplicate keys in O(keys²).)
 */
function bindDto(type: DtoClass, params: Record<string, unknown>): object {
  const shape = shapeOf(type);
  const keys = Object.keys(params);
  for (const key of keys) {
    if (!shape.properties.has(key)) throw new InvalidParamsError(`unknown param ${JSON.stringify(key)}`);
  }
  const instance = new type() as Record<string, unknown>;
  for (const key of keys) {
    const value = params[key];
    if (value === undefined) continue; // absent: the property initializer stays as the default
    const nestedType = shape.nested.get(key);
    instance[key] = nestedType && isPlainObject(value) ? bindDto(nestedType, value) : value;
  }
  return instance;
}

/**
 * Turns the wire `params` object into the command's first argument.
 * DTOs: unknown properties, missing required ones and wrong types are all refused;
 * property initializers act as defaults for optional parameters.
 */
export function bindParams(mode: ParamsMode, params: Record<string, unknown>): unknown {
  switch (mode.kind) {
    case 'none':
      if (Object.keys(params).length > 0) throw new InvalidParamsError('this command takes no params');
      return undefined;
    case 'raw':
      return params;
    case 'dto': {
      const instance = bindDto(mode.type, params);
      // Synchronous: replies to synchronous commands keep the order of their requests.
      const errors = validateSync(instance, { forbidUnknownValues: true });
      if (errors.length > 0) throw new InvalidParamsError(errors.map((e) => e.toString()).join(''));
      return instance;
    }
  }
}
