export type RateVerdict = 'admit' | 'refuse' | 'close';

/**
 * The request rate of one frontend connection (PROTOCOL §11), as a token bucket: `burst` requests at
 * once, refilled at `perSecond`. A request finding the bucket empty is refused (`Too many requests`).
 * Refusals draw on a second bucket of the same size and rate: a connection that keeps sending after
 * it was refused a whole burst (in practice: at more than twice its rate) is told to close (1008).
 */
export class RequestRate {
  private tokens: number;
  private refusals: number;
  private last: number;

  /** `perSecond` 0 = no limit (every request admitted). */
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.burst = Math.max(1, burst);
    this.tokens = this.burst;
    this.refusals = this.burst;
    this.last = now;
  }

  take(now = Date.now()): RateVerdict {
    if (this.perSecond <= 0) return 'admit';
    const refill = ((now - this.last) / 1000) * this.perSecond;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + refill);
    this.refusals = Math.min(this.burst, this.refusals + refill);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'admit';
    }
    if (this.refusals >= 1) {
      this.refusals -= 1;
      return 'refuse';
    }
    return 'close';
  }

  /** True when both buckets have refilled by `now`: the state is that of a fresh connection and may be dropped. */
  isFull(now = Date.now()): boolean {
    if (this.perSecond <= 0) return true;
    const refill = ((now - this.last) / 1000) * this.perSecond;
    return this.tokens + refill >= this.burst && this.refusals + refill >= this.burst;
  }
}
