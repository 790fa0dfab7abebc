import { parseFieldPath } from '../filter/field-path';
import { BaseDealer } from './base.dealer';
import { BroadcastDealer } from './broadcast.dealer';
import { FilterDealer } from './filter.dealer';
import { SimpleDealer } from './simple.dealer';

/**
 * A dealer described by data instead of a class: what the standalone server's config holds
 * (`{"name": "TasksByOwner", "model": "Task", "type": "simple", "key": "owner"}`), so teams
 * writing their backend in Django or Rails need no TypeScript.
 */
export type DeclarativeDealerSpec =
  | { type: 'broadcast'; name: string; model: string }
  | { type: 'simple'; name: string; model: string; key: string }
  | { type: 'filter'; name: string; model: string };

export const DECLARATIVE_DEALER_TYPES = ['broadcast', 'simple', 'filter'] as const;

class ConfiguredBroadcastDealer extends BroadcastDealer {
  constructor(
    readonly name: string,
    readonly model: string,
  ) {
    super();
  }
}

class ConfiguredSimpleDealer extends SimpleDealer {
  constructor(
    readonly name: string,
    readonly model: string,
    readonly key: string,
  ) {
    super();
  }
}

class ConfiguredFilterDealer extends FilterDealer {
  constructor(
    readonly name: string,
    readonly model: string,
  ) {
    super();
  }
}

export function createDeclarativeDealer(spec: DeclarativeDealerSpec): BaseDealer {
  switch (spec.type) {
    case 'broadcast':
      return new ConfiguredBroadcastDealer(spec.name, spec.model);
    case 'simple':
      if (typeof spec.key !== 'string' || !parseFieldPath(spec.key)) {
        throw new Error(`dealer ${spec.name}: "key" must be a field name, dotted for nested fields (e.g. "owner.id")`);
      }
      return new ConfiguredSimpleDealer(spec.name, spec.model, spec.key);
    case 'filter':
      return new ConfiguredFilterDealer(spec.name, spec.model);
    default:
      throw new Error(`dealer ${(spec as { name?: string }).name}: unknown type ${JSON.stringify((spec as { type?: unknown }).type)}`);
  }
}
