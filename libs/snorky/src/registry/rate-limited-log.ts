import { Logger } from '@nestjs/common';

/**
 * A log that a client cannot flood: at most `maxPerWindow` lines per window, then one line saying
 * how many were suppressed. For every line a client's input can cause (dropped frames, failing
 * commands), since a hostile client can cause thousands a second.
 */
export class RateLimitedLog {
  private windowStart = 0;
  private loggedInWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly windowMs = 10_000,
    private readonly maxPerWindow = 20,
  ) {}

  warn(message: string): void {
    if (this.admit()) this.logger.warn(message);
  }

  error(message: string, stack?: string): void {
    if (this.admit()) this.logger.error(message, stack);
  }

  private admit(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) {
        this.logger.warn(`${this.suppressed} more ${this.what} were not logged in the last ${this.windowMs / 1000} s`);
      }
      this.windowStart = now;
      this.loggedInWindow = 0;
      this.suppressed = 0;
    }
    if (this.loggedInWindow >= this.maxPerWindow) {
      this.suppressed++;
      return false;
    }
    this.loggedInWindow++;
    return true;
  }
}

/** Failing commands, services and dealers share one budget: one flood, one bounded log. */
export const failureLog = new RateLimitedLog(new Logger('SnorkyFailures'), 'failures');
