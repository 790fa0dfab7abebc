import { DEFAULT_MAX_JSON_DEPTH, textNestsDeeperThan } from './json-value';

/** The envelope every frame carries (PROTOCOL §1): {"service": <name>, "message": <any JSON>}. */
export interface Envelope {
  service: string;
  message: unknown;
}

/** An encoded envelope, ready to go on the wire unchanged (built once per fan-out). */
export type Frame = string | Buffer;

export type EnvelopeParseResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };

export function encodeEnvelope(service: string, message: unknown): string {
  return JSON.stringify({ service, message });
}

/**
 * Parses one incoming frame. Never throws: a bad frame yields the reason it is dropped.
 * Nesting is checked on the raw text first, so a deep frame costs one linear scan and is never built.
 */
export function parseEnvelope(raw: string | Buffer, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): EnvelopeParseResult {
  if (textNestsDeeperThan(raw, maxDepth)) return { ok: false, reason: nestedTooDeep(maxDepth) };
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
  return envelopeOf(value);
}

/** Checks an already-parsed JSON value (e.g. a backend body) is an envelope. */
export function envelopeOf(value: unknown): EnvelopeParseResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'envelope is not a JSON object' };
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.service !== 'string') return { ok: false, reason: 'envelope lacks a string "service"' };
  if (!Object.prototype.hasOwnProperty.call(obj, 'message')) return { ok: false, reason: 'envelope lacks "message"' };
  return { ok: true, envelope: { service: obj.service, message: obj.message } };
}

/** The drop reason of a value nested deeper than the limit (PROTOCOL §1). */
export function nestedTooDeep(maxDepth: number): string {
  return `JSON nested deeper than ${maxDepth} levels`;
}
