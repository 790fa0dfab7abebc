import { isDeepStrictEqual } from 'util';
import { TestSocket } from '../support/ws-client';
import {
  backend,
  deliveredBeforeMarker,
  HostileTarget,
  PROTOTYPE_KEYS,
  subscribeWithMarkers,
  useHostileTarget,
} from './support/hostile-target';

/** An object holding every prototype-named key, at the top and two levels down (built by JSON.parse, as it arrives). */
function withPrototypeKeys(depth = 2): Record<string, unknown> {
  let inner: Record<string, unknown> = { leaf: true };
  for (let level = 0; level <= depth; level++) {
    const obj: Record<string, unknown> = {};
    for (const [i, key] of PROTOTYPE_KEYS.entries()) obj[key] = level === depth ? i : `${key}@${level}`;
    // defineProperty: an own "__proto__" data property, as JSON.parse makes it
    Object.defineProperty(obj, 'nested', { value: inner, enumerable: true, writable: true, configurable: true });
    Object.defineProperty(obj, '__proto__', { value: { level }, enumerable: true, writable: true, configurable: true });
    inner = obj;
  }
  return JSON.parse(JSON.stringify(inner));
}

function expectSameJson(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`values differ:\n  got      ${JSON.stringify(actual)}\n  expected ${JSON.stringify(expected)}`);
  }
}

const parse = (text: string) => JSON.parse(text);

/**
 * PROTOCOL §1 "JSON is data": keys named like Object.prototype members are kept and compared like any
 * other key — in messages, channels, deltas, queries and params — on one node and across a cluster.
 */
describe.each(['single', 'cluster'] as const)('JSON is data (%s)', (kind) => {
  const target: HostileTarget = useHostileTarget(kind);
  const call = (s: TestSocket, service: string, command: string, params: object) => s.call(service, command, params, 'c');

  it('keeps prototype-named keys at any depth in published messages (frontend and backend publishers)', async () => {
    const subscriber = await target.open(target.subscriberNode);
    const publisher = await target.open(target.publisherNode);
    expect((await call(subscriber, 'pubsub', 'subscribe', { channel: 'keys' })).message.type).toBe('response');
    const message = withPrototypeKeys();
    expect((await call(publisher, 'pubsub', 'publish', { channel: 'keys', message })).message.type).toBe('response');
    expectSameJson((await subscriber.next()).message.message, message);
    const res = await backend(target.publisherNode, 'pubsub_backend', 'publish', { channel: 'keys', message });
    expect(res.message.type).toBe('response');
    expectSameJson((await subscriber.next()).message.message, message);
  });

  it('treats channels differing only by a prototype-named key as different channels', async () => {
    const plain = { room: 'R' };
    const variants = [
      parse('{"room":"R","__proto__":{"x":1}}'),
      parse('{"room":"R","toString":"x"}'),
      parse('{"room":"R","valueOf":"x"}'),
      parse('{"room":"R","hasOwnProperty":"x"}'),
      parse('{"room":"R","isPrototypeOf":"x"}'),
      parse('{"room":"R","constructor":"x"}'),
    ];
    const subscriber = await target.open(target.subscriberNode);
    const variantSubscriber = await target.open(target.subscriberNode);
    const publisher = await target.open(target.publisherNode);
    expect((await call(subscriber, 'pubsub', 'subscribe', { channel: plain })).message.type).toBe('response');
    for (const channel of variants) {
      // a different channel, so not "Already subscribed" either
      expect((await call(variantSubscriber, 'pubsub', 'subscribe', { channel })).message).toEqual({ type: 'response', callId: 'c', data: null });
    }
    for (const [i, channel] of variants.entries()) {
      expect((await call(publisher, 'pubsub', 'publish', { channel, message: i })).message.type).toBe('response');
      const got = await variantSubscriber.next();
      expectSameJson(got.message.channel, channel);
      expect(got.message.message).toBe(i);
    }
    expect((await call(publisher, 'pubsub', 'publish', { channel: plain, message: 'plain' })).message.type).toBe('response');
    // the first thing the plain subscriber sees is its own channel's message: none of the variants leaked
    expect((await subscriber.next()).message).toEqual({ type: 'message', channel: plain, message: 'plain' });
  });

  it('answers commands whose channel, message or delta holds a key named "constructor"', async () => {
    const socket = await target.open(target.publisherNode);
    const withConstructor = parse('{"constructor": {"constructor": 1}, "a": {"constructor": "x"}}');
    expect((await call(socket, 'pubsub', 'subscribe', { channel: withConstructor })).message).toEqual({ type: 'response', callId: 'c', data: null });
    expect((await call(socket, 'pubsub', 'publish', { channel: 'ctor', message: withConstructor })).message.type).toBe('response');
    const res = await backend(target.publisherNode, 'pubsub_backend', 'publish', { channel: withConstructor, message: withConstructor });
    expect(res.status).toBe(200);
    expect(res.message.type).toBe('response');
    const deltas = await backend(target.publisherNode, 'datasync_backend', 'publishDeltas', {
      deltas: [{ type: 'insert', model: 'Task', data: withConstructor }],
    });
    expect(deltas.status).toBe(200);
    expect(deltas.message).toEqual({ type: 'response', data: null });
  });

  it('keeps prototype-named keys in delta data, newData and oldData', async () => {
    const { socket } = await subscribeWithMarkers(target, [{ dealer: 'All', query: null }]);
    const data = withPrototypeKeys();
    const sent = [
      { type: 'insert', model: 'Task', data },
      { type: 'update', model: 'Task', oldData: data, newData: { ...data, changed: true } },
      { type: 'delete', model: 'Task', data },
    ];
    const got = await deliveredBeforeMarker(target.publisherNode, socket, sent, 1);
    expectSameJson(got, JSON.parse(JSON.stringify(sent)));
  });

  it('routes filter expressions on prototype-named fields and values by value', async () => {
    const notSecret = await subscribeWithMarkers(target, [{ dealer: 'Filtered', query: ['not', ['==', 'toString', 'secret']] }]);
    const secret = parse('{"id": 1, "toString": "secret"}');
    const open = parse('{"id": 2, "toString": "public"}');
    expect(await deliveredBeforeMarker(target.publisherNode, notSecret.socket, [
      { type: 'insert', model: 'Task', data: secret },
      { type: 'insert', model: 'Task', data: open },
    ], 2)).toEqual([{ type: 'insert', model: 'Task', data: open }]);

    const protoOwner = await subscribeWithMarkers(target, [{ dealer: 'Filtered', query: parse('["==", "owner", {"__proto__": 1}]') }]);
    const plainOwner = { id: 3, owner: {} };
    const matching = parse('{"id": 4, "owner": {"__proto__": 1}}');
    const got = await deliveredBeforeMarker(target.publisherNode, protoOwner.socket, [
      { type: 'insert', model: 'Task', data: plainOwner },
      { type: 'insert', model: 'Task', data: matching },
    ], 3);
    expect(got.map((d) => d.data.id)).toEqual([4]);
    expectSameJson(got[0].data, matching);
  });

  it('matches simple-dealer keys by value, prototype-named keys included', async () => {
    const { socket } = await subscribeWithMarkers(target, [{ dealer: 'ByOwner', query: parse('{"a": 1, "toString": 2}') }]);
    const got = await deliveredBeforeMarker(target.publisherNode, socket, [
      { type: 'insert', model: 'Task', data: { id: 5, owner: { a: 1 } } },
      { type: 'insert', model: 'Task', data: parse('{"id": 6, "owner": {"toString": 2, "a": 1}}') },
      { type: 'insert', model: 'Task', data: parse('{"id": 7, "owner": {"a": 1, "toString": 2, "__proto__": 3}}') },
    ], 4);
    expect(got.map((d) => d.data.id)).toEqual([6]);
  });

  it.each(['__proto__', 'toString', 'constructor', 'valueOf', 'hasOwnProperty'])('refuses an extra param named %s (Invalid params)', async (name) => {
    const socket = await target.open(target.publisherNode);
    const params = parse(`{"channel": "p", ${JSON.stringify(name)}: 1}`);
    expect((await call(socket, 'pubsub', 'subscribe', params)).message).toEqual({ type: 'error', callId: 'c', message: 'Invalid params' });
    expect((await call(socket, 'pubsub', 'publish', { ...params, message: 'm' })).message).toEqual({ type: 'error', callId: 'c', message: 'Invalid params' });
    const res = await backend(target.publisherNode, 'pubsub_backend', 'publish', { ...params, message: 'm' });
    expect(res.message).toEqual({ type: 'error', message: 'Invalid params' });
    // and nothing was subscribed by the refused call
    expect((await call(socket, 'pubsub', 'unsubscribe', { channel: 'p' })).message).toEqual({ type: 'error', callId: 'c', message: 'Not subscribed' });
  });
});
