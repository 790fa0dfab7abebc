import { parseFilter } from './filter-expression';
import { IndexedFilterMatcher, NaiveFilterMatcher } from './filter-index';
import { randomFilter, randomObject, seededRng } from './random-filters';

const SEED = 0x5eed;

function sorted(set: Set<number>): number[] {
  return [...set].sort((x, y) => x - y);
}

/** Builds both matchers from the same random filters, then compares them on random objects. */
function agreement(seed: number, filters: number, objects: number) {
  const rng = seededRng(seed);
  const naive = new NaiveFilterMatcher<number>();
  const indexed = new IndexedFilterMatcher<number>();
  for (let i = 0; i < filters; i++) {
    const expression = randomFilter(rng);
    parseFilter(expression); // every generated filter is valid
    naive.add(i, expression);
    indexed.add(i, expression);
  }
  const stats = { pairs: 0, matches: 0, emptyResults: 0, objects: 0 };
  const check = (count: number) => {
    for (let j = 0; j < count; j++) {
      const obj = randomObject(rng);
      const a = new Set<number>();
      const b = new Set<number>();
      naive.collect(obj, a);
      indexed.collect(obj, b);
      const sa = sorted(a);
      const sb = sorted(b);
      if (sa.length !== sb.length || sa.some((v, k) => v !== sb[k])) {
        const onlyNaive = sa.filter((v) => !b.has(v)).slice(0, 3);
        const onlyIndexed = sb.filter((v) => !a.has(v)).slice(0, 3);
        throw new Error(`disagree on ${JSON.stringify(obj)}: only naive ${onlyNaive}, only indexed ${onlyIndexed}`);
      }
      stats.pairs += naive.size;
      stats.objects++;
      stats.matches += sa.length;
      if (sa.length === 0) stats.emptyResults++;
    }
  };
  return { naive, indexed, check, stats };
}

describe('IndexedFilterMatcher', () => {
  it('agrees with the naive matcher on 10 000 random filters x 1 000 random objects, also after removals', () => {
    const { naive, indexed, check, stats } = agreement(SEED, 10_000, 0);
    // the generator must exercise both paths of the index
    expect(indexed.scanSize).toBeGreaterThan(10_000 * 0.2);
    expect(indexed.scanSize).toBeLessThan(10_000 * 0.8);
    check(1_000);
    // removal keeps them in agreement (and empties buckets correctly)
    for (let i = 0; i < 10_000; i += 3) expect(indexed.remove(i)).toBe(naive.remove(i));
    expect(indexed.size).toBe(naive.size);
    check(300);
    expect(stats.matches).toBeGreaterThan(stats.objects); // non-trivial: objects do match filters
    expect(stats.emptyResults).toBeLessThan(stats.objects); // ... but not every object matches something
  }, 120_000); // ~8 s alone; generous so a loaded machine does not fail it

  it('agrees with the naive matcher on 1 000 random filters x 10 000 random objects', () => {
    const { check, stats } = agreement(SEED + 1, 1_000, 0);
    check(10_000);
    expect(stats.pairs).toBe(10_000_000);
    expect(stats.emptyResults).toBeLessThan(stats.objects);
  }, 120_000);

  it('tests only the bucket of the object value, plus the scan list', () => {
    const indexed = new IndexedFilterMatcher<string>();
    indexed.add('owner-1', ['==', 'owner', 1]);
    indexed.add('owner-1-done', ['and', ['==', 'owner', 1], ['==', 'done', true]]);
    indexed.add('owner-2', ['==', 'owner', 2]);
    indexed.add('player-blue', ['==', 'player.color', 'blue']);
    indexed.add('old', ['>', 'age', 60]);
    expect(indexed.scanSize).toBe(1);
    const collect = (obj: unknown) => {
      const out = new Set<string>();
      indexed.collect(obj, out);
      return [...out].sort();
    };
    expect(collect({ owner: 1, done: false })).toEqual(['owner-1']);
    expect(collect({ owner: 1, done: true, age: 70 })).toEqual(['old', 'owner-1', 'owner-1-done']);
    expect(collect({ owner: '1' })).toEqual([]);
    expect(collect({ player: { color: 'blue' }, owner: 2 })).toEqual(['owner-2', 'player-blue']);
    indexed.remove('owner-1');
    indexed.remove('owner-1-done');
    expect(collect({ owner: 1, done: true })).toEqual([]);
    // re-adding an item replaces its filter
    indexed.add('owner-2', ['==', 'owner', 3]);
    expect(collect({ owner: 2 })).toEqual([]);
    expect(collect({ owner: 3 })).toEqual(['owner-2']);
    expect(indexed.size).toBe(3);
  });
});
