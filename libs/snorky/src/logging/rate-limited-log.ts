import { Logger } from '@nestjs/common';

/**
 * Log lines a peer or the network can provoke at will (refused connections, dropped frames, failing
 * commands, stalled clients, a flapping Redis): at most `maxPerWindow` lines per window, then one line
 * saying how many were suppressed, so a flood cannot flood the log.
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

  /** A warning; with a stack, logged as an error. */
  warn(message: string, stack?: string): void {
    if (!this.admit()) return;
    if (stack) this.logger.error(message, stack);
    else this.logger.warn(message);
  }

  /** An event worth an info line (e.g. a broker state change), under the same limit. */
  log(message: string): void {
    if (this.admit()) this.logger.log(message);
  }

  /** An error (with its stack when there is one), on the same budget. */
  error(message: string, stack?: string): void {
    if (this.admit()) this.logger.error(message, stack);
  }

  private admit(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) this.logger.warn(`${this.suppressed} more ${this.what} were not logged in the last ${this.windowMs / 1000} s`);
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
