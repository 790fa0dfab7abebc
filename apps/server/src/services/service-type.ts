import type { Provider } from '@nestjs/common';
import type { ServiceEntryConfig } from '../config/server-config';

/** One `type` of the config's `services` entries: how to validate an entry and which providers it makes. */
export interface ServiceType<C extends ServiceEntryConfig = ServiceEntryConfig> {
  config: new () => C;
  providers(entry: C): Provider[];
}

/** Distinct tokens so several services of one type can live in one module. */
export function serviceToken(kind: string, name: string): string {
  return `snorky:${kind}:${name}`;
}
