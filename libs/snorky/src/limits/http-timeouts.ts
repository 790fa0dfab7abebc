import type { Server } from 'http';

/** How often Node looks for requests past their timeouts (its default, 30 s, would make a 10 s timeout 40 s). */
const CHECK_INTERVAL_MS = 1000;

/**
 * Closes HTTP requests (backend, SockJS, WebSocket upgrades) that do not finish their head within
 * `headersTimeout` s or head and body within `requestTimeout` s (PROTOCOL §11), with Node's own
 * `server.headersTimeout` / `server.requestTimeout`. They only cover receiving: a request waiting
 * for its reply is not cut. 0 leaves Node's setting.
 */
export function applyHttpTimeouts(server: Server, limits: { headersTimeout?: number; requestTimeout?: number }): void {
  const { headersTimeout, requestTimeout } = limits;
  if (requestTimeout) server.requestTimeout = requestTimeout * 1000;
  // Node requires headersTimeout <= requestTimeout (when the latter is set).
  if (headersTimeout) server.headersTimeout = server.requestTimeout ? Math.min(headersTimeout * 1000, server.requestTimeout) : headersTimeout * 1000;
  // Read when the server starts listening (Node >= 18.13); a server already listening keeps its interval.
  const tracked = server as Server & { connectionsCheckingInterval?: number };
  if (!server.listening && (tracked.connectionsCheckingInterval ?? Infinity) > CHECK_INTERVAL_MS) {
    tracked.connectionsCheckingInterval = CHECK_INTERVAL_MS;
  }
}
