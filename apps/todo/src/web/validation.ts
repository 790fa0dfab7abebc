import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

/** Every constraint message of a validation failure, nested properties included. */
function messages(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const name = prefix + error.property;
    const own = error.constraints ? Object.values(error.constraints) : [];
    return [...own, ...messages(error.children ?? [], `${name}.`)];
  });
}

/**
 * DTO validation: unknown fields are refused, and a 400's `message` is one readable sentence
 * (`title must not be empty; completed must be true or false`), not an array to dig through.
 */
export function todoValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // Only plain objects are DTOs: a JSON array or string body is a client error, not a crash.
    forbidUnknownValues: true,
    // One message per field: the first rule it breaks.
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException(messages(errors).join('; ') || 'invalid request'),
  });
}
