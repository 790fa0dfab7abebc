/** Error texts the server produces by itself (PROTOCOL §2–§4, §8–§10). Clients match on them: never reword. */
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
  // Messaging (§8)
  NameAlreadyRegistered: 'Name already registered',
  NameNotAllowed: 'Name not allowed',
  UnknownParticipant: 'Unknown participant',
  InvalidParticipant: 'Invalid participant',
  InvalidSender: 'Invalid sender',
  UnknownDestination: 'Unknown destination',
  // Chat and Cursors (§9, §10)
  NotAuthenticated: 'Not authenticated',
  AlreadyJoined: 'Already joined',
  NotJoined: 'Not joined',
  ReusedHandle: 'Reused handle',
  TooManyCursors: 'Too many cursors',
  NoSuchCursor: 'No such cursor',
} as const;
