import type { LoggerService } from '@nestjs/common';

const WINDOW_MS = 10_000;
const MAX_PER_WINDOW = 20;

/**
 * Warnings about things a client or the network can cause at will (dropped frames, refused
 * connections, stalled clients, a flapping Redis): at most `max` lines per window, then one line
 * saying how many were suppressed, so nobody can flood the log.
 */
export class RateLimitedLog {
  private windowStart = 0;
  private loggedInWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Pick<LoggerService, 'warn' | 'log'>,
    /** Plural noun for the suppressed-lines summary, e.g. "dropped frames". */
    private readonly what: string,
    private readonly max = MAX_PER_WINDOW,
    private readonly windowMs = WINDOW_MS,
  ) {}

  warn(message: string): void {
    if (this.admit()) this.logger.warn(message);
  }

  log(message: string): void {
    if (this.admit()) this.logger.log(message);
  }

  private admit(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) this.logger.warn(`${this.suppressed} more ${this.what} were not logged in the last ${this.windowMs / 1000} s`);
      this.windowStart = now;
      this.loggedInWindow = 0;
      this.suppressed = 0;
    }
    if (this.loggedInWindow >= this.max) {
      this.suppressed++;
      return false;
    }
    this.loggedInWindow++;
    return true;
  }
}
