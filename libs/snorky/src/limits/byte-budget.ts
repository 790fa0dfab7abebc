/**
 * The read budget of one frontend connection (PROTOCOL §11, `limits.maxBytesPerSecond`): a token bucket
 * of bytes, refilled at `perSecond` up to `burst` (= maxFrameSize, so any single legal frame is read at
 * once). Bytes read go into it; once it is in debt the caller stops reading the socket (backpressure,
 * never a drop or a close) for the returned number of ms. It bounds the parsing work ONE connection can
 * make the server do per second, whatever its frames hold.
 *
 * The bucket lives as plain numeric fields on the connection, set only at its first read: an idle
 * connection holds nothing for it.
 */
export interface ByteBudgetHolder {
  budgetBytes?: number;
  budgetAt?: number;
}

export interface ByteBudget {
  /** Bytes per second; 0 = no budget. */
  readonly perSecond: number;
  readonly burst: number;
}

/** Takes `bytes` read just now from `holder`'s budget; returns how many ms to pause reading (0: read on). */
export function spendBytes(holder: ByteBudgetHolder, budget: ByteBudget, bytes: number, now = Date.now()): number {
  if (budget.perSecond <= 0) return 0;
  let left = holder.budgetBytes ?? budget.burst;
  if (holder.budgetAt !== undefined) left = Math.min(budget.burst, left + ((now - holder.budgetAt) / 1000) * budget.perSecond);
  left -= bytes;
  holder.budgetBytes = left;
  holder.budgetAt = now;
  return left >= 0 ? 0 : Math.ceil((-left / budget.perSecond) * 1000);
}
