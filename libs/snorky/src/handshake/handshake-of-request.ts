import { parse as parseCookies } from 'cookie';
import type { IncomingMessage } from 'http';
import type { SnorkyHandshake } from './snorky-authenticator';

/** The handshake an authenticator sees, read from the HTTP request that opens a connection. */
export function handshakeOfRequest(req: IncomingMessage): SnorkyHandshake {
  const cookieHeader = req.headers.cookie;
  return {
    headers: { ...req.headers },
    // cookie.parse returns a prototype-less object: a cookie named __proto__ is data, like any other.
    cookies: cookieHeader ? withoutUndefined(parseCookies(cookieHeader)) : {},
    query: queryOf(req.url),
    remoteAddress: req.socket?.remoteAddress,
    origin: typeof req.headers.origin === 'string' ? req.headers.origin : undefined,
  };
}

function queryOf(url: string | undefined): Record<string, string> {
  const query: Record<string, string> = Object.create(null);
  const at = url?.indexOf('?') ?? -1;
  if (at < 0) return query;
  for (const [key, value] of new URLSearchParams(url!.slice(at + 1))) query[key] = value;
  return query;
}

function withoutUndefined(parsed: Record<string, string | undefined>): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null);
  for (const key of Object.keys(parsed)) {
    const value = parsed[key];
    if (value !== undefined) cookies[key] = value;
  }
  return cookies;
}
