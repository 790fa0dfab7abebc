/**
 * The two ways a backend call fails, kept apart on purpose (as in the Python and Ruby connectors):
 * SnorkyError is about the call (the service refused it: fix the call), SnorkyTransportError about
 * the pipe (no RPC reply came back: check the key, the network, retry later).
 */

/** The service answered with an RPC error; `message` is the protocol's text verbatim ("No such dealer"). */
export class SnorkyError extends Error {
  override readonly name = 'SnorkyError';

  constructor(
    message: string,
    /** Service and command of the failed call, when known. */
    readonly service?: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/**
 * The request produced no RPC reply: server unreachable, timeout, an HTTP status other than 2xx
 * (401 = missing or wrong API key, 400 = body not JSON), or a body that is not a reply envelope.
 */
export class SnorkyTransportError extends Error {
  override readonly name = 'SnorkyTransportError';
  /** HTTP status, when a response arrived. */
  readonly status?: number;
  /** Raw response body, when one arrived. */
  readonly body?: string;

  constructor(message: string, details: { status?: number; body?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.body = details.body;
  }
}
