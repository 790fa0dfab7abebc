/** Error texts the server produces by itself (PROTOCOL §2–§4). Clients match on them: never reword. */
export const ErrorText = {
  UnknownCommand: 'Unknown command',
  InvalidParams: 'Invalid params',
  InternalError: 'Internal error',
  AlreadySubscribed: 'Already subscribed',
  NotSubscribed: 'Not subscribed',
  NotAuthorized: 'Not authorized',
  /** Identity (PROTOCOL §7). */
  TokenMustBeString: 'token must be string',
  InvalidToken: 'Invalid token',
  /** The cluster's Redis is unreachable right now (cluster mode only); retrying later succeeds. */
  ServiceUnavailable: 'Service unavailable',
  /** A connection holds its maximum of subscriptions in this service (PROTOCOL §11). */
  TooManySubscriptions: 'Too many subscriptions',
  /** A connection sends requests faster than its rate limit (PROTOCOL §11). */
  TooManyRequests: 'Too many requests',
} as const;
