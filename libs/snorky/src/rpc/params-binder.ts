import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { ParamsMode } from './command-table';

/** Raised when params do not fit the command; the caller answers `Invalid params`. */
export class InvalidParamsError extends Error {}

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
      const given = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
      const instance = plainToInstance(mode.type, given, { exposeDefaultValues: true });
      // Synchronous: replies to synchronous commands keep the order of their requests.
      const errors = validateSync(instance, {
        whitelist: true,
        forbidNonWhitelisted: true,
        forbidUnknownValues: true,
      });
      if (errors.length > 0) throw new InvalidParamsError(errors.map((e) => e.toString()).join(''));
      return instance;
    }
  }
}
