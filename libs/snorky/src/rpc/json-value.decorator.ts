import { ValidateBy, ValidationOptions } from 'class-validator';

/** A required parameter that may hold any JSON value, null included (a channel, a message, a query). */
export function IsJsonValue(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isJsonValue', validator: { validate: (value: unknown) => value !== undefined } },
    options,
  );
}
