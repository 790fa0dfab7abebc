import { FilterSyntaxError, matchFilter, parseFilter, requiredEquality } from './filter-expression';

const matches = (expr: unknown, obj: unknown) => matchFilter(parseFilter(expr), obj);

describe('filter expressions: matching', () => {
  it('compares with == by value, including objects regardless of key order', () => {
    expect(matches(['==', 'color', 'blue'], { color: 'blue' })).toBe(true);
    expect(matches(['==', 'color', 'blue'], { color: 'red' })).toBe(false);
    expect(matches(['==', 'tag', { a: 1, b: [1, 2] }], { tag: { b: [1, 2], a: 1 } })).toBe(true);
    expect(matches(['==', 'tag', { a: 1 }], { tag: { a: 1, b: 2 } })).toBe(false);
    expect(matches(['==', 'n', null], { n: null })).toBe(true);
  });

  it('never equates values of different JSON types', () => {
    expect(matches(['==', 'id', 1], { id: '1' })).toBe(false);
    expect(matches(['==', 'flag', true], { flag: 1 })).toBe(false);
    expect(matches(['==', 'n', null], {})).toBe(false);
  });

  it('orders numbers with numbers and strings with strings', () => {
    expect(matches(['<', 'age', 21], { age: 20 })).toBe(true);
    expect(matches(['<', 'age', 21], { age: 21 })).toBe(false);
    expect(matches(['<=', 'age', 21], { age: 21 })).toBe(true);
    expect(matches(['>', 'age', 21], { age: 22 })).toBe(true);
    expect(matches(['>=', 'age', 21], { age: 21 })).toBe(true);
    expect(matches(['>=', 'age', 21], { age: 20.5 })).toBe(false);
    expect(matches(['<', 'name', 'm'], { name: 'alice' })).toBe(true);
    expect(matches(['>', 'name', 'm'], { name: 'alice' })).toBe(false);
  });

  it('treats a type mismatch in an ordering comparison as no match, in both directions', () => {
    expect(matches(['<', 'age', 21], { age: '20' })).toBe(false);
    expect(matches(['>=', 'age', 21], { age: '30' })).toBe(false);
    expect(matches(['<', 'name', 'm'], { name: 3 })).toBe(false);
    expect(matches(['<', 'age', 21], { age: null })).toBe(false);
    expect(matches(['<', 'age', 21], { age: true })).toBe(false);
    expect(matches(['<', 'age', 21], { age: [1] })).toBe(false);
  });

  it('treats a missing field as no match, never an error', () => {
    expect(matches(['==', 'color', 'blue'], {})).toBe(false);
    expect(matches(['<', 'age', 21], {})).toBe(false);
    expect(matches(['==', 'a.b', 1], { a: 5 })).toBe(false);
    expect(matches(['==', 'a.b', 1], { a: null })).toBe(false);
    expect(matches(['==', 'color', 'blue'], null)).toBe(false);
    expect(matches(['==', 'color', 'blue'], 'blue')).toBe(false);
    expect(matches(['==', 'color', 'blue'], ['blue'])).toBe(false);
  });

  it('reads dotted fields through nested objects (broken in the original)', () => {
    const obj = { player: { color: 'blue', stats: { level: 7 } }, color: 'red' };
    expect(matches(['==', 'player.color', 'blue'], obj)).toBe(true);
    expect(matches(['==', 'player.color', 'red'], obj)).toBe(false);
    expect(matches(['>=', 'player.stats.level', 5], obj)).toBe(true);
    expect(matches(['==', 'player.missing.x', 1], obj)).toBe(false);
  });

  it('does not walk the prototype chain or into arrays', () => {
    expect(matches(['==', 'constructor', 'x'], {})).toBe(false);
    expect(matches(['==', 'toString.name', 'toString'], {})).toBe(false);
    expect(matches(['==', 'list.length', 2], { list: [1, 2] })).toBe(false);
    expect(matches(['==', 'list.0', 1], { list: [1, 2] })).toBe(false);
    expect(matches(['==', '__proto__', 1], JSON.parse('{"__proto__": 1}'))).toBe(true);
  });

  it('combines with not, and, or', () => {
    const obj = { service: 'prosody', severity_level: 2 };
    expect(matches(['and', ['==', 'service', 'prosody'], ['>=', 'severity_level', 3]], obj)).toBe(false);
    expect(matches(['or', ['not', ['==', 'service', 'java']], ['>=', 'severity_level', 3]], obj)).toBe(true);
    expect(matches(['not', ['==', 'service', 'prosody']], obj)).toBe(false);
    expect(matches(['and', ['==', 'service', 'prosody']], obj)).toBe(true);
    expect(matches(['or', ['==', 'service', 'java']], obj)).toBe(false);
    // not of a missing field: the comparison is false, so its negation is true (as in the original)
    expect(matches(['not', ['==', 'missing', 1]], obj)).toBe(true);
  });
});

describe('filter expressions: validation', () => {
  const invalid: [string, unknown, RegExp][] = [
    ['not a list', 'color', /expected a list/],
    ['an object', { '==': 1 }, /expected a list/],
    ['an empty list', [], /expected a list/],
    ['an unknown operator', ['=~', 'a', 'b'], /unknown operator "=~"/],
    ['a non-string operator', [1, 'a', 'b'], /unknown operator 1/],
    ['a comparison with two arguments', ['==', 'a'], /"==" takes a field and a value/],
    ['a comparison with four arguments', ['<', 'a', 1, 2], /"<" takes a field and a value/],
    ['a non-string field', ['==', 1, 1], /field of "==" must be a string/],
    ['an empty field', ['==', '', 1], /invalid field name/],
    ['an empty dotted segment', ['==', 'a..b', 1], /invalid field name/],
    ['a trailing dot', ['==', 'a.', 1], /invalid field name/],
    ['an ordering against null', ['<', 'a', null], /must be a number or a string/],
    ['an ordering against a list', ['>=', 'a', [1]], /must be a number or a string/],
    ['not with two arguments', ['not', ['==', 'a', 1], ['==', 'b', 1]], /"not" takes exactly one/],
    ['an empty and', ['and'], /"and" takes at least one/],
    ['an empty or', ['or'], /"or" takes at least one/],
    ['a bad nested expression', ['and', ['==', 'a', 1], ['like', 'b', 'x']], /unknown operator "like"/],
    ['a bare value inside and', ['and', 'x'], /expected a list/],
  ];
  it.each(invalid)('refuses %s', (_what, expr, message) => {
    expect(() => parseFilter(expr)).toThrow(FilterSyntaxError);
    expect(() => parseFilter(expr)).toThrow(message);
  });

  it('bounds depth and size', () => {
    let deep: unknown = ['==', 'a', 1];
    for (let i = 0; i < 40; i++) deep = ['not', deep];
    expect(() => parseFilter(deep)).toThrow(/nested deeper/);
    const wide = ['or', ...Array.from({ length: 1200 }, (_, i) => ['==', 'a', i])];
    expect(() => parseFilter(wide)).toThrow(/more than 1000/);
  });
});

describe('requiredEquality (index key)', () => {
  it('finds an equality at the top or inside nested ands only', () => {
    expect(requiredEquality(parseFilter(['==', 'a', 1]))?.field).toBe('a');
    expect(requiredEquality(parseFilter(['and', ['<', 'x', 1], ['==', 'b', 2]]))?.field).toBe('b');
    expect(requiredEquality(parseFilter(['and', ['<', 'x', 1], ['and', ['==', 'c.d', 2]]]))?.field).toBe('c.d');
    expect(requiredEquality(parseFilter(['or', ['==', 'a', 1], ['==', 'a', 2]]))).toBeUndefined();
    expect(requiredEquality(parseFilter(['not', ['==', 'a', 1]]))).toBeUndefined();
    expect(requiredEquality(parseFilter(['<', 'a', 1]))).toBeUndefined();
  });
});
