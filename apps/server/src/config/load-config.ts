import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { readFileSync } from 'fs';
import { SERVICE_TYPES } from '../services/service-types';
import { ServerConfig, ServiceEntryConfig } from './server-config';

/** A config that cannot run; the message names the bad key. */
export class ConfigError extends Error {}

const VALIDATION = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };

/** Where the config comes from: `--config <file>` or `--config=<file>`, else SNORKY_CONFIG. */
export function configPathFrom(argv: string[], env: NodeJS.ProcessEnv): string {
  const index = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  const path = index < 0 ? env.SNORKY_CONFIG : argv[index].includes('=') ? argv[index].slice('--config='.length) : argv[index + 1];
  if (!path) throw new ConfigError('No config file: start with --config <file.json> or set SNORKY_CONFIG');
  return path;
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv): ServerConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Cannot read config ${path}: ${(err as Error).message}`);
  }
  return parseConfig(raw, env);
}

/** Validates a parsed config and applies the environment overrides (SNORKY_API_KEY, SNORKY_REDIS_URL). */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): ServerConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('The config must be a JSON object');
  const config = plainToInstance(ServerConfig, raw, { exposeDefaultValues: true });
  throwIfInvalid(validateSync(config, VALIDATION), '');
  config.services = config.services.map((entry, i) => parseServiceEntry(entry, `services[${i}]`));
  const names = new Set<string>();
  for (const [i, entry] of config.services.entries()) {
    for (const name of [entry.name, ...backendNames(entry)]) {
      if (names.has(name)) throw new ConfigError(`services[${i}]: the service name "${name}" is used twice`);
      names.add(name);
    }
  }
  if (env.SNORKY_API_KEY) config.backend.apiKeys = [env.SNORKY_API_KEY];
  if (env.SNORKY_REDIS_URL) config.cluster = Object.assign(config.cluster ?? {}, { redis: env.SNORKY_REDIS_URL });
  if (!apiKeysOf(config).length) {
    throw new ConfigError(
      'backend.apiKey: no API key is configured, and Snorky has no built-in one. Set "apiKey" in the ' +
        '"backend" section of the config, or the SNORKY_API_KEY environment variable.',
    );
  }
  return config;
}

export function apiKeysOf(config: ServerConfig): string[] {
  return config.backend.apiKeys ?? (config.backend.apiKey ? [config.backend.apiKey] : []);
}

function backendNames(entry: ServiceEntryConfig): string[] {
  const backend = (entry as { backend?: unknown }).backend;
  return typeof backend === 'string' ? [backend] : [];
}

function parseServiceEntry(raw: unknown, where: string): ServiceEntryConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${where} must be an object`);
  const type = (raw as { type?: unknown }).type;
  const serviceType = typeof type === 'string' ? SERVICE_TYPES[type] : undefined;
  if (!serviceType) {
    throw new ConfigError(`${where}.type must be one of ${Object.keys(SERVICE_TYPES).join(', ')} (got ${JSON.stringify(type)})`);
  }
  const entry = plainToInstance(serviceType.config, raw, { exposeDefaultValues: true });
  throwIfInvalid(validateSync(entry, VALIDATION), where);
  return entry;
}

function throwIfInvalid(errors: ValidationError[], prefix: string): void {
  const first = errors.length ? firstLeaf(errors[0], prefix) : undefined;
  if (first) throw new ConfigError(`${first.key}: ${first.problem}`);
}

/** Walks to the innermost failing property so the message names the exact key (e.g. backend.port). */
function firstLeaf(error: ValidationError, prefix: string): { key: string; problem: string } {
  const key = /^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : prefix ? `${prefix}.${error.property}` : error.property;
  if (error.constraints) {
    const problem = Object.values(error.constraints)[0].replace(/^property (\S+) should not exist$/, 'unknown key');
    return { key, problem };
  }
  return firstLeaf(error.children![0], key);
}
