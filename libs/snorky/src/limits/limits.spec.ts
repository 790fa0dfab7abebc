import { FrameProgress } from './frame-progress';
import { RequestRate } from './request-rate';
import { SubscriptionQuota } from './subscription-quota';

/** A client frame header (masked, mask key 0). */
function header(length: number, { fin = true, opcode = 1 } = {}): Buffer {
  const first = (fin ? 0x80 : 0) | opcode;
  if (length < 126) return Buffer.from([first, 0x80 | length, 0, 0, 0, 0]);
  if (length < 65536) return Buffer.from([first, 0x80 | 126, length >> 8, length & 0xff, 0, 0, 0, 0]);
  const h = Buffer.alloc(14);
  h[0] = first;
  h[1] = 0x80 | 127;
  h.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
  h.writeUInt32BE(length % 2 ** 32, 6);
  return h;
}

describe('FrameProgress', () => {
  it('is unfinished from the first byte of a frame to its last, whatever the chunking', () => {
    const p = new FrameProgress();
    const frame = Buffer.concat([header(300), Buffer.alloc(300, 0x61), header(5), Buffer.from('hello')]);
    for (let i = 0; i < frame.length; i++) {
      p.feed(frame.subarray(i, i + 1), 1000 + i);
      const end = i === 8 + 300 - 1 || i === frame.length - 1;
      expect(p.unfinishedSince === undefined).toBe(end);
    }
  });

  it('dates an unfinished frame from its first byte, not from the previous frame', () => {
    const p = new FrameProgress();
    p.feed(Buffer.concat([header(3), Buffer.from('abc'), header(10), Buffer.from('12')]), 5000);
    expect(p.unfinishedSince).toBe(5000);
    p.feed(Buffer.from('34567890'), 9000);
    expect(p.unfinishedSince).toBeUndefined();
    p.feed(header(70_000).subarray(0, 1), 9500);
    expect(p.unfinishedSince).toBe(9500);
  });

  it('keeps a fragmented message unfinished through its fragments and control frames, until the final one', () => {
    const p = new FrameProgress();
    p.feed(Buffer.concat([header(2, { fin: false }), Buffer.from('ab')]), 1);
    expect(p.unfinishedSince).toBe(1);
    p.feed(Buffer.concat([header(0, { opcode: 9 }), header(2, { fin: false, opcode: 0 }), Buffer.from('cd')]), 2);
    expect(p.unfinishedSince).toBe(1);
    p.feed(Buffer.concat([header(1, { opcode: 0 }), Buffer.from('e')]), 3);
    expect(p.unfinishedSince).toBeUndefined();
  });

  it('reads 64-bit lengths', () => {
    const p = new FrameProgress();
    p.feed(Buffer.concat([header(2 ** 32 + 1), Buffer.alloc(10)]), 7);
    expect(p.unfinishedSince).toBe(7);
  });
});

describe('RequestRate', () => {
  it('admits a burst, refuses beyond it, refills at the rate, and closes after a burst of refusals', () => {
    const rate = new RequestRate(10, 5, 0);
    expect(Array.from({ length: 5 }, () => rate.take(0))).toEqual(Array(5).fill('admit'));
    expect(Array.from({ length: 5 }, () => rate.take(0))).toEqual(Array(5).fill('refuse'));
    expect(rate.take(0)).toBe('close');
    expect(rate.take(200)).toBe('admit'); // 2 tokens back after 200 ms
    expect(rate.take(200)).toBe('admit');
    expect(rate.take(200)).toBe('refuse');
  });

  it('is full again (the same as a fresh bucket) only once both buckets have refilled', () => {
    const rate = new RequestRate(10, 5, 0);
    expect(rate.isFull(0)).toBe(true);
    rate.take(0);
    expect(rate.isFull(0)).toBe(false);
    expect(rate.isFull(99)).toBe(false);
    expect(rate.isFull(100)).toBe(true); // one token back after 100 ms
    for (let i = 0; i < 7; i++) rate.take(100); // 5 admitted, 2 refused
    expect(rate.isFull(550)).toBe(false); // tokens full, refusals still 4.5
    expect(rate.isFull(600)).toBe(true);
  });

  it('admits everything at rate 0 (no limit)', () => {
    const rate = new RequestRate(0, 0, 0);
    for (let i = 0; i < 10_000; i++) expect(rate.take(0)).toBe('admit');
  });
});

describe('SubscriptionQuota', () => {
  it('counts per connection, refuses over max with Too many subscriptions, and frees on release/forget', () => {
    const quota = new SubscriptionQuota(2);
    const a = {};
    const b = {};
    quota.take(a);
    quota.take(a);
    expect(() => quota.take(a)).toThrow('Too many subscriptions');
    quota.take(b);
    quota.release(a);
    quota.take(a);
    quota.forget(a);
    expect(quota.held(a)).toBe(0);
    expect(quota.held(b)).toBe(1);
    expect(() => new SubscriptionQuota(0).take(a)).not.toThrow();
  });

  it("reads the service's own count when given one, and keeps nothing itself", () => {
    const held = new Map<object, number>();
    const quota = new SubscriptionQuota(2, (client) => held.get(client) ?? 0);
    const a = {};
    quota.take(a);
    held.set(a, 2);
    expect(() => quota.take(a)).toThrow('Too many subscriptions');
    quota.release(a);
    expect(quota.held(a)).toBe(2); // the service's count decides, not release
    held.set(a, 1);
    expect(() => quota.take(a)).not.toThrow();
  });
});
