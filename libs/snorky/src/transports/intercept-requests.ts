import type { Server } from 'http';

type Listener = (...args: unknown[]) => void;

/**
 * Puts `claim` in front of the listeners `server` already has for `event` ('request' or 'upgrade'):
 * what it claims (returns true for) it answers itself and goes no further; the rest reaches the
 * previous listeners unchanged. This is how Snorky's own endpoints share an app's HTTP server without
 * going through the app's framework (Express or Fastify), its global prefix or its global enhancers.
 */
export function interceptServerEvent(server: Server, event: 'request' | 'upgrade', claim: (...args: any[]) => boolean): void {
  const previous = server.listeners(event) as Listener[];
  server.removeAllListeners(event);
  server.on(event, (...args: unknown[]) => {
    if (claim(...args)) return;
    for (const listener of previous) listener.apply(server, args);
  });
}
