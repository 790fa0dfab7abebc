import { Signal, backoffDelay, stableStringify } from '@snorky/client';
import { resolveReconnectOptions, restartDelay, SERVER_RESTART_CLOSE_CODES } from '../src/backoff';

describe('Signal', () => {
  it('dispatches to listeners with their context, addOnce only once', () => {
    const signal = new Signal<number>();
    const got: string[] = [];
    const ctx = { name: 'ctx' };
    signal.add(function (this: typeof ctx, n) {
      got.push(`${this.name}:${n}`);
    }, ctx);
    signal.addOnce((n) => got.push(`once:${n}`));
    signal.dispatch(1);
    signal.dispatch(2);
    expect(got).toEqual(['ctx:1', 'once:1', 'ctx:2']);
    expect(signal.getNumListeners()).toBe(1);
  });

  it('removes by listener and by binding, and tolerates removal during dispatch', () => {
    const signal = new Signal<void>();
    let a = 0;
    let b = 0;
    const listenerA = () => {
      a++;
      signal.remove(listenerA);
    };
    signal.add(listenerA);
    const binding = signal.add(() => b++);
    signal.dispatch();
    signal.dispatch();
    binding.detach();
    signal.dispatch();
    expect([a, b]).toEqual([1, 2]);
    expect(signal.getNumListeners()).toBe(0);
  });

  it('does not add the same listener twice', () => {
    const signal = new Signal<number>();
    let calls = 0;
    const listener = () => calls++;
    signal.add(listener);
    signal.add(listener);
    signal.dispatch(0);
    expect(calls).toBe(1);
    expect(() => signal.addOnce(listener)).toThrow('already added');
  });
});

describe('backoffDelay', () => {
  const options = resolveReconnectOptions({ initialDelay: 100, maxDelay: 1000, factor: 2, jitter: 0.5 })!;

  it('grows exponentially up to the cap', () => {
    const noJitter = () => 0;
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, options, noJitter))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('takes off at most the jitter fraction', () => {
    expect(backoffDelay(3, options, () => 1)).toBe(400);
    expect(backoffDelay(3, options, () => 0.5)).toBe(600);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(10, options);
      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(1000);
    }
  });

  it('is off with reconnect: false', () => {
    expect(resolveReconnectOptions(false)).toBeNull();
    expect(resolveReconnectOptions(true)!.initialDelay).toBe(500);
  });
});

describe('stableStringify', () => {
  it('gives equal strings for equal JSON values regardless of key order', () => {
    expect(stableStringify({ b: [1, { y: 2, x: 1 }], a: 'x' })).toBe(stableStringify({ a: 'x', b: [1, { x: 1, y: 2 }] }));
    expect(stableStringify({ room: 1 })).not.toBe(stableStringify({ room: '1' }));
    expect(stableStringify('news')).toBe('"news"');
  });
});

describe('restartDelay (server closed with 1001/1012)', () => {
  it('is spread uniformly over restartWindow, default 5000 ms', () => {
    expect(resolveReconnectOptions(undefined)!.restartWindow).toBe(5000);
    const options = resolveReconnectOptions({ restartWindow: 2000 })!;
    expect(restartDelay(options, () => 0)).toBe(0);
    expect(restartDelay(options, () => 0.5)).toBe(1000);
    expect(restartDelay(options, () => 0.9999)).toBe(2000);
    expect(SERVER_RESTART_CLOSE_CODES).toEqual([1001, 1012]);
  });
});
