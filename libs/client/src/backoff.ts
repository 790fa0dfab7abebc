/** When to try again after a lost connection: exponential, capped, with jitter so clients don't reconnect in lockstep. */
export interface ReconnectOptions {
  /** Delay before the first retry, in ms. Default 500. */
  initialDelay?: number;
  /** Upper bound of any delay, in ms. Default 15000. */
  maxDelay?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
  /** Fraction of the delay randomized away, 0..1. Default 0.5 (delay is 50%..100% of the nominal one). */
  jitter?: number;
  /** Give up after this many failed attempts in a row. Default Infinity. */
  maxAttempts?: number;
  /**
   * When the server closes the connection because it shuts down or restarts (close code 1001 or 1012),
   * the first retry comes after a delay drawn uniformly from 0..restartWindow ms, so the clients of a
   * node spread their reconnections over that window instead of all arriving at once. Default 5000.
   */
  restartWindow?: number;
}

/** Close codes a server sends when it goes away or restarts: reconnect soon, spread over `restartWindow`. */
export const SERVER_RESTART_CLOSE_CODES: readonly number[] = [1001, 1012];

export type ResolvedReconnectOptions = Required<ReconnectOptions>;

export function resolveReconnectOptions(option: boolean | ReconnectOptions | undefined): ResolvedReconnectOptions | null {
  if (option === false) return null;
  const given = typeof option === 'object' ? option : {};
  return {
    initialDelay: given.initialDelay ?? 500,
    maxDelay: given.maxDelay ?? 15000,
    factor: given.factor ?? 2,
    jitter: Math.min(1, Math.max(0, given.jitter ?? 0.5)),
    maxAttempts: given.maxAttempts ?? Infinity,
    restartWindow: Math.max(0, given.restartWindow ?? 5000),
  };
}

/** Delay before retry number `attempt` (0-based); `random` is injectable for tests. */
export function backoffDelay(attempt: number, options: ResolvedReconnectOptions, random: () => number = Math.random): number {
  const nominal = Math.min(options.maxDelay, options.initialDelay * Math.pow(options.factor, attempt));
  return Math.round(nominal * (1 - options.jitter * random()));
}

/** Delay before reconnecting to a server that closed with 1001/1012: uniform over 0..restartWindow. */
export function restartDelay(options: ResolvedReconnectOptions, random: () => number = Math.random): number {
  return Math.round(options.restartWindow * random());
}
