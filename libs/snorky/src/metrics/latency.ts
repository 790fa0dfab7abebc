/** Upper bounds (seconds) of the RPC latency histogram: 100 µs to 10 s. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The q-quantile (0..1) of observations counted per bucket (non-cumulative, last slot +Inf),
 * interpolated linearly inside the bucket as Prometheus's histogram_quantile does. Undefined when empty.
 */
export function quantileOf(buckets: ArrayLike<number>, q: number): number | undefined {
  let total = 0;
  for (let i = 0; i < buckets.length; i++) total += buckets[i];
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    if (seen + buckets[i] >= rank && buckets[i] > 0) {
      // Observations above the last bound can only be said to be above it.
      if (i === LATENCY_BUCKETS.length) return LATENCY_BUCKETS[i - 1];
      const lower = i === 0 ? 0 : LATENCY_BUCKETS[i - 1];
      return lower + (LATENCY_BUCKETS[i] - lower) * ((rank - seen) / buckets[i]);
    }
    seen += buckets[i];
  }
  return LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1];
}
