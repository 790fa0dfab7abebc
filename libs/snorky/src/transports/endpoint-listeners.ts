import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { applyHttpTimeouts } from '../limits/http-timeouts';
import { resolveLimits } from '../limits/resolved-limits';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import type { SnorkyModuleOptions } from '../snorky-options';

export type EndpointName = 'frontend' | 'backend';

/** Idle kept-alive connections of an own listener are closed after this (connectors reuse ≤ 2 s). */
export const BACKEND_KEEP_ALIVE_MS = 65_000;

/**
 * Own HTTP listeners for endpoints configured with a `port` (e.g. the standalone server's backend on
 * 127.0.0.1:5801). Endpoints without a port share the Nest app's HTTP server instead.
 */
@Injectable()
export class EndpointListeners implements OnApplicationShutdown {
  private readonly logger = new Logger('SnorkyEndpoints');
  private readonly servers = new Map<EndpointName, http.Server>();

  constructor(@Inject(SNORKY_OPTIONS) private readonly options: SnorkyModuleOptions) {}

  async open(name: EndpointName, port: number, host: string, handler: http.RequestListener): Promise<http.Server> {
    const server = http.createServer(handler);
    // Connectors reuse a kept-alive connection only while it has been idle less than 2 s
    // (docs/protocol-notes.md "Publishing retry-safe"): the server keeps it far longer, so it never
    // closes a connection a client is about to reuse (Node's default, 5 s, raced with clients).
    server.keepAliveTimeout = BACKEND_KEEP_ALIVE_MS;
    server.headersTimeout = BACKEND_KEEP_ALIVE_MS + 1000;
    // Then Snorky's timeouts for unfinished requests (PROTOCOL §11); they do not cut idle kept-alive connections.
    applyHttpTimeouts(server, resolveLimits(this.options));
    this.servers.set(name, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    this.logger.debug(`${name} endpoint listening on ${address.address}:${address.port}`);
    return server;
  }

  /** The listener's bound port (useful with port 0 in tests). */
  port(name: EndpointName): number | undefined {
    const address = this.servers.get(name)?.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  /** Whether the endpoint has its own listener and it accepts connections now. */
  listening(name: EndpointName): boolean {
    return this.servers.get(name)?.listening ?? false;
  }

  /** Stops accepting connections (the drain); open ones go on until `onApplicationShutdown`. */
  stopAccepting(): void {
    for (const server of this.servers.values()) if (server.listening) server.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      [...this.servers.values()].map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections?.();
          }),
      ),
    );
    this.servers.clear();
  }
}

export function notFound(res: http.ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
}
