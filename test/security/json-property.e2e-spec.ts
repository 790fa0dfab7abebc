import fc from 'fast-check';
import { isDeepStrictEqual } from 'util';
import {
  deliveredBeforeMarker,
  HostileTarget,
  PROTOTYPE_KEYS,
  subscribeWithMarkers,
  useHostileTarget,
  viaJson,
} from './support/hostile-target';

/**
 * Property test of PROTOCOL §1 "JSON is data": random JSON values whose keys are mostly named like
 * Object.prototype members, at random depths, go through every path — publish, channels, deltas,
 * filter expressions, simple-dealer keys — on one node and across a cluster, and must come out
 * exactly as they went in and be matched exactly as by-value comparison says.
 *
 * The oracle is independent of the server: Node's isDeepStrictEqual and an own-property field read.
 */
const KEYS = [...PROTOTYPE_KEYS, 'a', 'owner'];
const key = fc.constantFrom(...KEYS);
const leaf = fc.oneof(fc.constantFrom(null, true, false, 'x', 'secret', ''), fc.integer({ min: -2, max: 2 }));
const { json } = fc.letrec<{ json: unknown; array: unknown[]; object: Record<string, unknown> }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', maxDepth: 6 }, leaf, tie('array'), tie('object'), tie('object')),
  array: fc.array(tie('json'), { maxLength: 3 }),
  object: fc.dictionary(key, tie('json'), { maxKeys: 4 }),
}));
/** A JSON value as it arrives from the wire (own keys, plain objects). */
const wireJson = json.map(viaJson);
const wireObject = fc.dictionary(key, json, { minKeys: 1, maxKeys: 5 }).map(viaJson);

/** `value` with one key added (or removed) in one of its objects, chosen by `pick`: a near miss. */
function nearMiss(value: unknown, name: string, pick: number): unknown {
  const copy = viaJson(value);
  const objects: Record<string, unknown>[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      objects.push(v as Record<string, unknown>);
      Object.values(v).forEach(walk);
    }
  };
  walk(copy);
  if (objects.length === 0) return JSON.parse(`{${JSON.stringify(name)}: ${JSON.stringify(copy)}}`);
  const target = objects[pick % objects.length];
  if (Object.prototype.hasOwnProperty.call(target, name)) delete target[name];
  else Object.defineProperty(target, name, { value: pick, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** A second value: equal to the first, a near miss, or unrelated. */
const pairOf = (first: fc.Arbitrary<unknown>) =>
  fc.tuple(first, fc.nat(2), key, fc.nat(), wireJson).map(([a, how, name, pick, other]) => {
    const b = how === 0 ? viaJson(a) : how === 1 ? nearMiss(a, name, pick) : other;
    return [a, b] as const;
  });

/** The value at a dotted path of own properties of plain objects; `missing` otherwise. */
const missing = Symbol('missing');
function ownField(obj: unknown, path: string): unknown {
  let v = obj;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, part)) return missing;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** An object that has `value` at `path` (built as data: defineProperty, so `__proto__` is an own key). */
function objectWith(base: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const root = viaJson(base);
  let at = root;
  const parts = path.split('.');
  parts.forEach((part, i) => {
    const next = i === parts.length - 1 ? viaJson(value) : {};
    Object.defineProperty(at, part, { value: next, enumerable: true, writable: true, configurable: true });
    at = next as Record<string, unknown>;
  });
  return viaJson(root);
}

const fieldPath = fc.array(key, { minLength: 1, maxLength: 2 }).map((parts) => parts.join('.'));

describe.each([
  ['single', 60],
  ['cluster', 25],
] as const)('JSON is data, property-based (%s)', (kind, numRuns) => {
  const target: HostileTarget = useHostileTarget(kind);
  let run = 0;
  /** Both outcomes must occur, or the generators do not test what they claim to. */
  let outcomes: Set<boolean>;
  beforeEach(() => (outcomes = new Set()));
  afterEach(() => expect([...outcomes].sort()).toEqual([false, true]));

  it('publish: a subscriber of channel A gets a message published on B iff A equals B by value, unchanged', async () => {
    const subscriber = await target.open(target.subscriberNode);
    const publisher = await target.open(target.publisherNode);
    await fc.assert(
      fc.asyncProperty(pairOf(wireJson), wireJson, async ([a, b], message) => {
        const id = ++run;
        expect((await subscriber.call('pubsub', 'subscribe', { channel: a }, id)).message).toEqual({ type: 'response', callId: id, data: null });
        expect((await publisher.call('pubsub', 'publish', { channel: b, message }, id)).message.type).toBe('response');
        expect((await publisher.call('pubsub', 'publish', { channel: a, message: { marker: id } }, id)).message.type).toBe('response');
        const received: any[] = [];
        for (;;) {
          const frame = (await subscriber.next()).message;
          if (isDeepStrictEqual(frame.message, { marker: id }) && isDeepStrictEqual(frame.channel, a)) break;
          received.push(frame);
        }
        outcomes.add(isDeepStrictEqual(a, b));
        const expected = isDeepStrictEqual(a, b) ? [{ type: 'message', channel: b, message }] : [];
        expect(isDeepStrictEqual(received, expected)).toBe(true);
        expect((await subscriber.call('pubsub', 'unsubscribe', { channel: a }, id)).message.type).toBe('response');
      }),
      { numRuns, seed: 0x5eed },
    );
  });

  it('deltas: data, newData and oldData arrive exactly as published', async () => {
    const { socket } = await subscribeWithMarkers(target, [{ dealer: 'All', query: null }]);
    await fc.assert(
      fc.asyncProperty(wireObject, wireObject, async (oldData, newData) => {
        const id = ++run;
        outcomes.add(true).add(false); // every delta must arrive: one outcome only
        const deltas = [
          { type: 'insert', model: 'Task', data: newData },
          { type: 'update', model: 'Task', oldData, newData },
          { type: 'delete', model: 'Task', data: oldData },
        ];
        expect(isDeepStrictEqual(await deliveredBeforeMarker(target.publisherNode, socket, deltas, id), viaJson(deltas))).toBe(true);
      }),
      { numRuns, seed: 0x5eed },
    );
  });

  it('filters: ["==", field, value] (and its "not") delivers exactly the objects whose own field equals value', async () => {
    await fc.assert(
      fc.asyncProperty(fieldPath, pairOf(wireJson), wireObject, fc.boolean(), fc.boolean(), async (field, [value, actual], base, negate, setField) => {
        const id = ++run;
        const equality = ['==', field, value];
        const { socket } = await subscribeWithMarkers(target, [{ dealer: 'Filtered', query: negate ? ['not', equality] : equality }]);
        const obj = setField ? objectWith(base, field, actual) : base;
        const read = ownField(obj, field);
        const matches = (read !== missing && isDeepStrictEqual(read, value)) !== negate;
        outcomes.add(matches);
        const got = await deliveredBeforeMarker(target.publisherNode, socket, [{ type: 'insert', model: 'Task', data: obj }], id);
        expect(isDeepStrictEqual(got, matches ? [{ type: 'insert', model: 'Task', data: obj }] : [])).toBe(true);
        await socket.close();
      }),
      { numRuns, seed: 0x5eed },
    );
  });

  it('simple dealer: a query matches exactly the objects whose key equals it by value', async () => {
    await fc.assert(
      fc.asyncProperty(pairOf(wireJson), wireObject, async ([query, owner], base) => {
        const id = ++run;
        const { socket } = await subscribeWithMarkers(target, [{ dealer: 'ByOwner', query }]);
        const obj = objectWith(base, 'owner', owner);
        const got = await deliveredBeforeMarker(target.publisherNode, socket, [{ type: 'insert', model: 'Task', data: obj }], id);
        outcomes.add(isDeepStrictEqual(query, owner));
        expect(got.length).toBe(isDeepStrictEqual(query, owner) ? 1 : 0);
        if (got.length) expect(isDeepStrictEqual(got[0].data, obj)).toBe(true);
        await socket.close();
      }),
      { numRuns, seed: 0x5eed },
    );
  });
});
