import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import type { IncomingMessage } from 'http';

type BodyRequest = IncomingMessage & { body?: unknown; rawBody?: Buffer };

/**
 * The backend body as a JSON value, refused past `limit` bytes (413) or when not JSON (400). Works
 * whether or not the host app's body parser already ran: a parsed body is taken as is (measured by
 * its encoding, the only size left to check); otherwise the stream is read up to `limit` bytes (any
 * content type, as the original accepted bodies without one).
 */
export async function readJsonBody(req: BodyRequest, limit: number): Promise<unknown> {
  if (req.rawBody) return parse(req.rawBody, limit);
  // The host app's JSON parser already consumed the stream (body-parser 2 leaves body undefined otherwise).
  if (req.body !== undefined || req.readableEnded) {
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
  return parse(Buffer.concat(chunks), limit);
}

function parse(raw: Buffer, limit: number): unknown {
  if (raw.length > limit) throw tooLarge(limit);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BadRequestException('Body is not valid JSON');
  }
}

function tooLarge(limit: number): PayloadTooLargeException {
  return new PayloadTooLargeException(`Body exceeds maxFrameSize (${limit} bytes)`);
}
