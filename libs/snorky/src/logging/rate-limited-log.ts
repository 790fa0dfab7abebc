import { Logger } from '@nestjs/common';

/**
 * Log lines a peer can provoke at will (refused connections, ...): at most `maxPerWindow` lines per
 * window, then one line saying how many were suppressed, so a flood cannot flood the log.
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

  warn(message: string, stack?: string): void {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) this.logger.warn(`${this.suppressed} more ${this.what} were not logged in the last ${this.windowMs / 1000} s`);
      this.windowStart = now;
      this.loggedInWindow = 0;
      this.suppressed = 0;
    }
    if (this.loggedInWindow >= this.maxPerWindow) {
      this.suppressed++;
      return;
    }
    this.loggedInWindow++;
    if (stack) this.logger.error(message, stack);
    else this.logger.warn(message);
  }
}
