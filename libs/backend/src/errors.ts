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
  /** No answer in time: the request may still have been delivered. */
  readonly timedOut: boolean;
  /** The connection went away under the request (e.g. a kept-alive one the server had closed). */
  readonly reset: boolean;

  constructor(message: string, details: { status?: number; body?: string; cause?: unknown; timedOut?: boolean; reset?: boolean } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.body = details.body;
    this.timedOut = details.timedOut ?? false;
    this.reset = details.reset ?? false;
  }

  /** Sending again may succeed: no HTTP answer (refused, reset, timeout) or a 5xx (503: node cut off from Redis). */
  get transient(): boolean {
    return this.status === undefined || this.status >= 500 || this.status === 408 || this.status === 429;
  }
}
