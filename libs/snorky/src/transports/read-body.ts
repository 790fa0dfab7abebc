import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import type { IncomingMessage } from 'http';
import { nestedTooDeep } from '../protocol/envelope';
import { textNestsDeeperThan, valueNestsDeeperThan } from '../protocol/json-value';

type BodyRequest = IncomingMessage & { body?: unknown; rawBody?: Buffer };

/**
 * The backend body as a JSON value, refused past `limit` bytes (413) or when not JSON (400). Works
 * whether or not the host app's body parser already ran: a parsed body is taken as is (measured by
 * its encoding, the only size left to check); otherwise the stream is read up to `limit` bytes (any
 * content type, as the original accepted bodies without one). A body nesting deeper than `maxDepth`
 * is refused (400) before it is parsed, or before anything walks it recursively.
 */
export async function readJsonBody(req: BodyRequest, limit: number, maxDepth: number): Promise<unknown> {
  if (req.rawBody) return parse(req.rawBody, limit, maxDepth);
  // The host app's JSON parser already consumed the stream (body-parser 2 leaves body undefined otherwise).
  if (req.body !== undefined || req.readableEnded) {
    if (valueNestsDeeperThan(req.body, maxDepth)) throw tooDeep(maxDepth);
    if (Buffer.byteLength(JSON.stringify(req.body) ?? '') > limit) throw tooLarge(limit);
    return req.body;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return parse(Buffer.concat(chunks), limit, maxDepth);
}

function parse(raw: Buffer, limit: number, maxDepth: number): unknown {
  if (raw.length > limit) throw tooLarge(limit);
  if (textNestsDeeperThan(raw, maxDepth)) throw tooDeep(maxDepth);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BadRequestException('Body is not valid JSON');
  }
}

function tooLarge(limit: number): PayloadTooLargeException {
  return new PayloadTooLargeException(`Body exceeds maxFrameSize (${limit} bytes)`);
}

function tooDeep(maxDepth: number): BadRequestException {
  return new BadRequestException(`Request dropped: ${nestedTooDeep(maxDepth)}`);
}
