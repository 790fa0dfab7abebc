/** Error texts the server produces by itself (PROTOCOL §2–§4). Clients match on them: never reword. */
export const ErrorText = {
  UnknownCommand: 'Unknown command',
  InvalidParams: 'Invalid params',
  InternalError: 'Internal error',
  AlreadySubscribed: 'Already subscribed',
  NotSubscribed: 'Not subscribed',
  NotAuthorized: 'Not authorized',
} as const;
