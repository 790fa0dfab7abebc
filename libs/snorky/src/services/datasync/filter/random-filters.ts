/**
 * Seeded random filters and objects over a small vocabulary (so that matches are frequent),
 * shared by the matcher property test and the routing benchmark.
 */
export type Rng = () => number;

/** mulberry32: tiny, fast, good enough for test data, reproducible from the seed. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];

export const FIELDS = ['a', 'b', 'c', 'p.x', 'p.y', 'p.q.r'] as const;
const SCALARS: readonly unknown[] = [0, 1, 2, 3, 4, 2.5, -1, 'u', 'v', 'w', '1', true, false, null];
const VALUES: readonly unknown[] = [...SCALARS, { k: 1 }, { k: 1, j: 'x' }, [1, 2], []];

export function randomValue(rng: Rng): unknown {
  const v = pick(rng, VALUES);
  // fresh copies with shuffled key order, so equality by value (not identity) is exercised
  if (Array.isArray(v)) return [...v];
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).reverse());
  return v;
}

export function randomObject(rng: Rng): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const f of ['a', 'b', 'c']) if (rng() < 0.85) obj[f] = randomValue(rng);
  const r = rng();
  if (r < 0.7) {
    const p: Record<string, unknown> = {};
    if (rng() < 0.85) p.x = randomValue(rng);
    if (rng() < 0.85) p.y = randomValue(rng);
    if (rng() < 0.6) p.q = rng() < 0.8 ? { r: randomValue(rng) } : randomValue(rng);
    obj.p = p;
  } else if (r < 0.85) {
    obj.p = randomValue(rng); // not an object: dotted reads are missing
  }
  return obj;
}

function randomComparison(rng: Rng): unknown[] {
  const field = pick(rng, FIELDS);
  const op = pick(rng, ['==', '==', '==', '<', '<=', '>', '>=']);
  if (op === '==') return [op, field, randomValue(rng)];
  return [op, field, pick(rng, [0, 1, 2, 3, 2.5, 'u', 'v', 'w', '1'])];
}

export function randomFilter(rng: Rng, depth = 0): unknown[] {
  const r = rng();
  if (depth >= 3 || r < 0.35) return randomComparison(rng);
  const n = 1 + Math.floor(rng() * 3);
  const args = () => Array.from({ length: n }, () => randomFilter(rng, depth + 1));
  if (r < 0.7) {
    // often put an equality among the conjuncts so many filters are indexable
    const rest = args();
    if (rng() < 0.7) rest.splice(Math.floor(rng() * (rest.length + 1)), 0, ['==', pick(rng, FIELDS), randomValue(rng)]);
    return ['and', ...rest];
  }
  if (r < 0.88) return ['or', ...args()];
  return ['not', randomFilter(rng, depth + 1)];
}
