import { encodeEnvelope, parseEnvelope } from './envelope';
import { errorMessage, parseRpcRequest, responseMessage } from './rpc-message';

describe('envelope', () => {
  it('round-trips', () => {
    expect(parseEnvelope(encodeEnvelope('svc', { a: [1, null] }))).toEqual({ ok: true, envelope: { service: 'svc', message: { a: [1, null] } } });
  });

  it('keeps a null message (present, even if null)', () => {
    expect(parseEnvelope('{"service":"s","message":null}')).toEqual({ ok: true, envelope: { service: 's', message: null } });
  });

  it.each([
    ['{', 'invalid JSON'],
    ['[]', 'envelope is not a JSON object'],
    ['"s"', 'envelope is not a JSON object'],
    ['null', 'envelope is not a JSON object'],
    ['{"message":1}', 'envelope lacks a string "service"'],
    ['{"service":["s"],"message":1}', 'envelope lacks a string "service"'],
    ['{"service":"s"}', 'envelope lacks "message"'],
  ])('refuses %s', (raw, reason) => {
    expect(parseEnvelope(raw)).toEqual({ ok: false, reason });
  });
});

describe('RPC messages', () => {
  it('parses a request and treats a null callId as none', () => {
    expect(parseRpcRequest({ command: 'c', params: {}, callId: 0 })).toEqual({ ok: true, request: { command: 'c', params: {}, callId: 0 } });
    expect(parseRpcRequest({ command: 'c', params: {}, callId: null })).toEqual({ ok: true, request: { command: 'c', params: {}, callId: undefined } });
  });

  it.each([[null], [[]], ['x'], [{ params: {} }], [{ command: 'c' }], [{ command: 'c', params: null }], [{ command: 'c', params: {}, callId: true }]])(
    'refuses %j',
    (message) => expect(parseRpcRequest(message).ok).toBe(false),
  );

  it('omits callId in replies to requests without one', () => {
    expect(responseMessage(undefined, undefined)).toEqual({ type: 'response', data: null });
    expect(responseMessage('x', 0)).toEqual({ type: 'response', callId: 'x', data: 0 });
    expect(errorMessage(undefined, 'E')).toEqual({ type: 'error', message: 'E' });
    expect(errorMessage(7, 'E')).toEqual({ type: 'error', callId: 7, message: 'E' });
  });
});
