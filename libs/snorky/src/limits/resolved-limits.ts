import type { SnorkyLimitsOptions, SnorkyModuleOptions } from '../snorky-options';

/** SnorkyLimitsOptions with every default applied (0 = no limit), so call sites never repeat a default. */
export type ResolvedLimits = Required<SnorkyLimitsOptions> & { shutdownTimeout: number };

export const DEFAULT_LIMITS: ResolvedLimits = {
  maxSubscriptions: 1000,
  maxChannelSize: 1024,
  maxRequestsPerSecond: 200,
  requestBurst: 1000,
  maxBytesPerSecond: 64 * 1024,
  maxConnections: 10_000,
  frameTimeout: 30,
  headersTimeout: 10,
  requestTimeout: 30,
  shutdownTimeout: 10,
};

export function resolveLimits(options: Pick<SnorkyModuleOptions, 'limits' | 'shutdownTimeout'>): ResolvedLimits {
  const given = options.limits ?? {};
  const resolved = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof ResolvedLimits)[]) {
    const value = key === 'shutdownTimeout' ? options.shutdownTimeout : given[key as keyof SnorkyLimitsOptions];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= 0)) throw new Error(`limits.${key} must be a number >= 0 (got ${JSON.stringify(value)})`);
    resolved[key] = value;
  }
  return resolved;
}
