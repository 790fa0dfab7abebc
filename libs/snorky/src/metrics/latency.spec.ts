import { LATENCY_BUCKETS, quantileOf } from './latency';

function bucketsOf(seconds: number[]): number[] {
  const buckets = new Array(LATENCY_BUCKETS.length + 1).fill(0);
  for (const s of seconds) {
    let i = 0;
    while (i < LATENCY_BUCKETS.length && s > LATENCY_BUCKETS[i]) i++;
    buckets[i]++;
  }
  return buckets;
}

describe('quantileOf (histogram_quantile over our buckets)', () => {
  it('is undefined with no observation', () => {
    expect(quantileOf(bucketsOf([]), 0.5)).toBeUndefined();
  });

  it('interpolates inside the bucket that holds the rank', () => {
    // 100 observations in (1 ms, 2.5 ms]: the median is half-way through that bucket.
    const buckets = bucketsOf(new Array(100).fill(0.002));
    expect(quantileOf(buckets, 0.5)).toBeCloseTo(0.001 + 0.0015 * 0.5, 6);
    expect(quantileOf(buckets, 0.99)).toBeCloseTo(0.001 + 0.0015 * 0.99, 6);
  });

  it('puts p99 in the slow tail and p50 in the fast bulk', () => {
    const buckets = bucketsOf([...new Array(98).fill(0.0002), 0.3, 0.3]);
    expect(quantileOf(buckets, 0.5)!).toBeLessThanOrEqual(0.00025);
    expect(quantileOf(buckets, 0.99)!).toBeGreaterThan(0.25);
  });

  it('says only "above the last bound" for observations past it', () => {
    expect(quantileOf(bucketsOf([60, 60]), 0.5)).toBe(10);
  });
});
