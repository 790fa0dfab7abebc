import { Injectable, Logger } from '@nestjs/common';
import { IncomingMessage, Server, ServerResponse } from 'http';
import type { Duplex } from 'stream';
import * as sockjs from 'sockjs';
import { Client, newClientId, TransportKind } from '../client/client';
import type { Frame } from '../protocol/envelope';
import type { TransportStats } from '../metrics/node-stats';
import { SnorkyMetrics } from '../metrics/snorky-metrics';
import { SnorkyRegistries } from '../registry/snorky-registries';

class SockJsClient implements Client {
  readonly id = newClientId('sockjs');
  readonly transport: TransportKind = 'sockjs';
  identity?: unknown;

  constructor(
    private readonly connection: sockjs.Connection,
    readonly remoteAddress: string | undefined,
    private readonly counters: TransportStats | undefined,
  ) {}

  send(frame: Frame): void {
    this.connection.write(typeof frame === 'string' ? frame : frame.toString('utf8'));
    if (this.counters !== undefined) this.counters.framesSent++;
  }
}

/** The frontend registry over SockJS (the original's third request handler), for clients without WebSocket. */
@Injectable()
export class SockJsTransport {
  private readonly logger = new Logger('SnorkySockJS');

  constructor(
    private readonly registries: SnorkyRegistries,
    private readonly metrics: SnorkyMetrics,
  ) {}

  install(server: Server, prefix: string, allowedOrigins?: string[]): void {
    const sockjsServer = sockjs.createServer({
      prefix,
      log: (severity, message) => {
        if (severity === 'error') this.logger.error(message);
      },
    });
    sockjsServer.on('connection', (connection) => {
      if (!connection) return;
      const counters = this.metrics.frameCounters('sockjs');
      const connections = this.metrics.transport('sockjs');
      const client = new SockJsClient(connection, connection.remoteAddress, counters);
      const registry = this.registries.frontend;
      connections.opened();
      connection.on('data', (data: string) => {
        if (counters !== undefined) counters.framesReceived++;
        registry.dispatch(client, data);
      });
      connection.on('close', () => {
        connections.closed();
        registry.clientDisconnected(client);
      });
      registry.clientConnected(client);
    });
    sockjsServer.installHandlers(server, { prefix });
    if (allowedOrigins) refuseOtherOrigins(server, prefix, allowedOrigins, this.metrics);
  }
}

/**
 * The `sockjs` package has no origin hook, so its requests are screened in front of it: a request
 * under the prefix whose Origin header is not allowed gets 403. Requests without an Origin (same-origin
 * GETs from the page itself, non-browser clients) pass, as browsers send Origin on every cross-origin
 * request and on every POST.
 */
function refuseOtherOrigins(server: Server, prefix: string, allowed: string[], metrics: SnorkyMetrics): void {
  const refused = (req: IncomingMessage) => {
    const path = (req.url ?? '').split('?')[0];
    const origin = req.headers.origin;
    return (path === prefix || path.startsWith(`${prefix}/`)) && origin !== undefined && !allowed.includes(origin);
  };
  for (const event of ['request', 'upgrade'] as const) {
    const listeners = server.listeners(event) as Array<(...args: unknown[]) => void>;
    server.removeAllListeners(event);
    server.on(event, (req: IncomingMessage, resOrSocket: ServerResponse | Duplex, head?: Buffer) => {
      if (!refused(req)) return listeners.forEach((listener) => listener.call(server, req, resOrSocket, head));
      metrics.connectionRefused('origin', `origin ${JSON.stringify(req.headers.origin)} not allowed (sockjs, ${req.socket.remoteAddress ?? 'unknown'})`);
      if (resOrSocket instanceof ServerResponse) resOrSocket.writeHead(403, { 'Content-Type': 'text/plain' }).end('Origin not allowed');
      else resOrSocket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
    });
  }
}
