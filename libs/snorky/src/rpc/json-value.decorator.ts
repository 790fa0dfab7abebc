import { Transform } from 'class-transformer';
import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * A required parameter that may hold any JSON value, null included (a channel, a message, a query).
 * The value is kept exactly as parsed: class-transformer would rebuild nested objects and lose keys
 * such as `__proto__`, which are data here (PROTOCOL §1).
 */
export function IsJsonValue(options?: ValidationOptions): PropertyDecorator {
  const validate = ValidateBy({ name: 'isJsonValue', validator: { validate: (value: unknown) => value !== undefined } }, options);
  const keepRaw = Transform(({ obj, key }) => (obj as Record<string, unknown>)[key], { toClassOnly: true });
  return (target, property) => {
    validate(target, property);
    keepRaw(target, property);
  };
}
