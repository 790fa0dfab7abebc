import { SubscriptionAuthorizer, SubscriptionItem } from './delta';

/** Request header a browser sends to ask a list endpoint for a subscription too. */
export const SUBSCRIBE_HEADER = 'X-Snorky';
export const SUBSCRIBE_VALUE = 'Subscribe';
/** Response header carrying the token (the name the Django REST Framework mixin used). */
export const TOKEN_HEADER = 'X-Subscription-Token';

/** What the helper needs of a request: Node's IncomingMessage, Express, Fastify and Nest all have it. */
export interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
}

/** What the helper needs of a response: `setHeader` (Node, Express) or `header` (Fastify). */
export type ResponseLike =
  | { setHeader(name: string, value: string): unknown }
  | { header(name: string, value: string): unknown };

/** True when the request carries `X-Snorky: Subscribe` (case-insensitive, surrounding blanks ignored). */
export function subscriptionRequested(req: RequestLike): boolean {
  const value = req.headers[SUBSCRIBE_HEADER.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.trim().toLowerCase() === SUBSCRIBE_VALUE.toLowerCase();
}

/**
 * Runs `query` and resolves with its result. When the request carries `X-Snorky: Subscribe` it first
 * authorizes a subscription for `items`, then runs the query, then sets the token in
 * `X-Subscription-Token`. The order is the point: Snorky keeps every matching delta from the moment
 * it returns the token, so a change committed after the authorization (during the query, or while
 * the response travels) is delivered when the browser acquires the token, never lost. An
 * authorization failure rejects before the query runs.
 *
 * `items` may be a function, evaluated only for subscribe requests. `snorky` is a `SnorkyBackend`
 * or, for a Nest app hosting Snorky in-process, the core's `DataSyncPublisher`.
 */
export async function subscribeIfRequested<T>(
  snorky: SubscriptionAuthorizer,
  req: RequestLike,
  res: ResponseLike,
  items: SubscriptionItem[] | (() => SubscriptionItem[]),
  query: () => T | Promise<T>,
): Promise<T> {
  if (!subscriptionRequested(req)) return query();
  const token = await snorky.authorizeSubscription(typeof items === 'function' ? items() : items);
  const result = await query();
  setHeader(res, TOKEN_HEADER, token);
  return result;
}

function setHeader(res: ResponseLike, name: string, value: string): void {
  if ('setHeader' in res && typeof res.setHeader === 'function') res.setHeader(name, value);
  else if ('header' in res && typeof res.header === 'function') res.header(name, value);
  else throw new TypeError('subscribeIfRequested: the response has neither setHeader() nor header()');
}
