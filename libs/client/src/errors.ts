/** The server answered an RPC call with an error reply; `message` is the protocol's text, unchanged. */
export class RpcCallError extends Error {
  override readonly name = 'RpcCallError';
  constructor(
    message: string,
    readonly service: string,
    readonly command: string,
  ) {
    super(message);
  }
}

/** Server error texts the connectors act on (PROTOCOL; the server's `protocol/error-text.ts`). */
export const ServerErrorText = {
  /** A cluster node cut off from Redis: transient, try again. */
  serviceUnavailable: 'Service unavailable',
  /** Also how a server without the resume additions (the original Snorky) refuses their params. */
  invalidParams: 'Invalid params',
  alreadySubscribed: 'Already subscribed',
} as const;

/** Whether `error` is the server's refusal with exactly `text`. */
export function isRefusal(error: unknown, text: string): error is RpcCallError {
  return error instanceof RpcCallError && error.message === text;
}

/** The socket closed after the request was sent and before its reply arrived; the outcome is unknown. */
export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError';
  readonly code = 'CONNECTION_LOST';
  constructor(
    readonly service: string,
    readonly command: string,
  ) {
    super(`Connection lost before the reply to "${command}" (service "${service}") arrived`);
  }
}

/** `disconnect()` was called while the request was queued or waiting for its reply. */
export class DisconnectedError extends Error {
  override readonly name = 'DisconnectedError';
  readonly code = 'DISCONNECTED';
  constructor(
    readonly service: string,
    readonly command: string,
  ) {
    super(`Disconnected by the client before the reply to "${command}" (service "${service}") arrived`);
  }
}
