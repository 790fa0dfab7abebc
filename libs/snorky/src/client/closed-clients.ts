import type { Client } from './client';

/**
 * Clients whose connection has closed (their disconnect hooks have run). A command whose async guards
 * were still pending when the connection closed must not run afterwards: it would, e.g., subscribe a
 * client that every service has already forgotten. Weak, so a closed client is not kept alive by this.
 */
const closed = new WeakSet<Client>();

export function markClosed(client: Client): void {
  closed.add(client);
}

export function isClosed(client: Client): boolean {
  return closed.has(client);
}
