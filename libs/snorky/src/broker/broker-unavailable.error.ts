/**
 * An operation needed the cluster's shared engine (Redis) and it is not reachable right now.
 * Raised fast instead of waiting: a frontend command answers `Service unavailable`, the backend
 * endpoint answers HTTP 503. The broker reconnects by itself; retrying later succeeds.
 */
export class BrokerUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrokerUnavailableError';
  }
}
