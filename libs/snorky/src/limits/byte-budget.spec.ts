import { spendBytes, type ByteBudgetHolder } from './byte-budget';

describe('spendBytes (read budget token bucket)', () => {
  const budget = { perSecond: 1000, burst: 5000 };

  it('reads a whole burst at once, then asks to pause for the debt', () => {
    const holder: ByteBudgetHolder = {};
    expect(spendBytes(holder, budget, 5000, 0)).toBe(0);
    expect(spendBytes(holder, budget, 500, 0)).toBe(500);
  });

  it('refills at the rate, never above the burst', () => {
    const holder: ByteBudgetHolder = {};
    expect(spendBytes(holder, budget, 5000, 0)).toBe(0);
    expect(spendBytes(holder, budget, 2000, 2000)).toBe(0);
    expect(spendBytes(holder, budget, 0, 1_000_000)).toBe(0);
    expect(holder.budgetBytes).toBe(5000);
  });

  it('0 is no budget and keeps nothing on the holder', () => {
    const holder: ByteBudgetHolder = {};
    expect(spendBytes(holder, { perSecond: 0, burst: 5000 }, 1e9, 0)).toBe(0);
    expect(holder).toEqual({});
  });
});
