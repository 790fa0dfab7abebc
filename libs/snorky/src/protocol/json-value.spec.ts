import fc from 'fast-check';
import stableStringify from 'fast-json-stable-stringify';
import { isDeepStrictEqual } from 'util';
import { canonicalJson, jsonEqual, jsonKey, textNestsDeeperThan, valueNestsDeeperThan } from './json-value';

/** Random JSON as it arrives (parsed), keys drawn mostly from Object.prototype's member names. */
const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'a', '1', '10', 'é"\\\n'), fc.string());
const { json } = fc.letrec<{ json: unknown; array: unknown[]; object: Record<string, unknown> }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', maxDepth: 6 }, fc.oneof(fc.constant(null), fc.boolean(), fc.double({ noNaN: true }), fc.string()), tie('array'), tie('object')),
  array: fc.array(tie('json'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('json'), { maxKeys: 5 }),
}));
const parsed = json.map((v) => JSON.parse(JSON.stringify(v)) as unknown);

function nested(levels: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

describe('JSON values as data', () => {
  it('canonicalJson writes what fast-json-stable-stringify writes (keys sorted, every own key kept)', () => {
    fc.assert(fc.property(parsed, (v) => canonicalJson(v) === stableStringify(v)), { numRuns: 2000 });
  });

  it('jsonEqual and jsonKey agree with a deep equality of parsed values', () => {
    fc.assert(
      fc.property(parsed, parsed, fc.boolean(), (a, other, same) => {
        const b = same ? JSON.parse(JSON.stringify(a)) : other;
        const equal = isDeepStrictEqual(a, b);
        return jsonEqual(a, b) === equal && (jsonKey(a) === jsonKey(b)) === equal;
      }),
      { numRuns: 2000 },
    );
  });

  it('tells {"__proto__": x} from {} and keeps prototype-named keys in the canonical form', () => {
    const withProto = JSON.parse('{"room": 1, "__proto__": {"x": 1}}');
    expect(jsonEqual(withProto, { room: 1 })).toBe(false);
    expect(canonicalJson(withProto)).toBe('{"__proto__":{"x":1},"room":1}');
    expect(jsonKey(JSON.parse('{"toString": 1}'))).not.toBe(jsonKey({}));
  });

  it('measures nesting the same on the text and on the parsed value', () => {
    fc.assert(
      fc.property(parsed, fc.integer({ min: 0, max: 8 }), (v, max) => textNestsDeeperThan(JSON.stringify(v), max) === valueNestsDeeperThan(v, max)),
      { numRuns: 2000 },
    );
    expect(textNestsDeeperThan('{"a":"[[[[{{{{"}', 1)).toBe(false);
    expect(textNestsDeeperThan('{"a":"\\"[[","b":[[]]}', 2)).toBe(true);
    expect(textNestsDeeperThan(Buffer.from('{"é":[["\\\\"]]}'), 3)).toBe(false);
  });

  it('never overflows the stack, whatever the depth', () => {
    const deep = nested(200_000);
    expect(canonicalJson(deep)).toHaveLength(canonicalJson(nested(200_000)).length);
    expect(jsonEqual(deep, nested(200_000))).toBe(true);
    expect(jsonEqual(deep, nested(199_999))).toBe(false);
    expect(valueNestsDeeperThan(deep, 64)).toBe(true);
    expect(textNestsDeeperThan('['.repeat(1_000_000), 64)).toBe(true);
  });
});
