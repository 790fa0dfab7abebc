import { Inject, Injectable, Logger } from '@nestjs/common';
import { IncomingMessage, Server, ServerResponse } from 'http';
import type { Duplex } from 'stream';
import * as sockjs from 'sockjs';
import { Client, newClientId, TransportKind } from '../client/client';
import type { Frame } from '../protocol/envelope';
import { SnorkyRegistries } from '../registry/snorky-registries';
import type { TransportStats } from '../metrics/node-stats';
import { SnorkyMetrics } from '../metrics/snorky-metrics';
import { interceptServerEvent } from './intercept-requests';
import { ConnectionAuthenticator } from '../handshake/connection-authenticator';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import { DEFAULT_MAX_FRAME_SIZE } from '../snorky-options';
import type { SnorkyModuleOptions } from '../snorky-options';
import { authenticateSockJsSession, SockJsHandshakes } from './sockjs-handshake';

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

  close(code: number, reason: string): void {
    closeSession(this.connection, code, reason);
  }
}

/**
 * Largest SockJS body (xhr_send, jsonp_send) or SockJS WebSocket frame: it carries one or more Snorky
 * frames JSON-escaped in an array (sockjs-client sends every queued message in one POST), so twice the
 * frame limit, and at least 64 KiB so that a batch of small messages passes whatever the limit.
 */
export function sockJsBodyLimit(maxFrameSize: number): number {
  return Math.max(2 * maxFrameSize + 1024, 64 * 1024);
}

/**
 * SockJS framed sessions carry any close code; its raw WebSocket endpoint (faye) only takes 1000 and
 * 3000–4999 and throws on others, so there `code` goes as 4000 + (code - 1000): 1001 -> 4001, 1008 -> 4008.
 */
function closeSession(connection: sockjs.Connection, code: number, reason: string): void {
  const fayeAccepts = code === 1000 || (code >= 3000 && code <= 4999);
  const sent = connection.protocol === 'websocket-raw' && !fayeAccepts ? 4000 + (code % 1000) : code;
  (connection.close as unknown as (code: number, reason: string) => void).call(connection, sent, reason);
}

export interface SockJsInstallOptions {
  allowedOrigins?: string[];
  /** Largest Snorky frame; SockJS bodies and frames may be up to `sockJsBodyLimit` of it. */
  maxFrameSize: number;
  /** Why a new session is refused now (draining, connection cap), if it is. */
  refusal: () => string | undefined;
}

/** The frontend registry over SockJS (the original's third request handler), for clients without WebSocket. */
@Injectable()
export class SockJsTransport {
  private readonly logger = new Logger('SnorkySockJS');
  private readonly clients = new Set<SockJsClient>();
  private readonly handshakes = new SockJsHandshakes();

  constructor(
    private readonly registries: SnorkyRegistries,
    private readonly authenticator: ConnectionAuthenticator,
    @Inject(SNORKY_OPTIONS) private readonly options: SnorkyModuleOptions,
    private readonly metrics: SnorkyMetrics,
  ) {}

  get connectionCount(): number {
    return this.clients.size;
  }

  install(server: Server, prefix: string, options: SockJsInstallOptions): void {
    const maxBodyBytes = sockJsBodyLimit(options.maxFrameSize);
    const sockjsServer = sockjs.createServer({
      prefix,
      log: (severity, message) => {
        if (severity === 'error') this.logger.error(message);
      },
      // The `sockjs` package's WebSocket (faye) buffers up to 64 MiB per frame by default.
      faye_server_options: { maxLength: maxBodyBytes },
    } as sockjs.ServerOptions);
    sockjsServer.on('connection', (connection) => {
      if (!connection) return;
      const refusal = options.refusal();
      if (refusal) {
        this.metrics.connectionRefused(refusal === 'Shutting down' ? 'draining' : 'limit', `${refusal} (sockjs, ${connection.remoteAddress ?? 'unknown'})`);
        return closeSession(connection, 1013, refusal);
      }
      if (this.authenticator.enabled) void this.authenticateThenOpen(connection);
      else this.open(connection, undefined, []);
    });
    sockjsServer.installHandlers(server, { prefix });
    if (this.authenticator.enabled) this.handshakes.install(server, prefix);
    screenRequests(server, prefix, options.allowedOrigins, maxBodyBytes, this.metrics);
  }

  /** Closes every session (the drain): the close frame goes out after the messages queued for it. */
  closeAll(code: number, reason: string): void {
    for (const client of this.clients) client.close(code, reason);
  }

  private open(connection: sockjs.Connection, identity: unknown, held: string[]): void {
    const counters = this.metrics.frameCounters('sockjs');
    const connections = this.metrics.transport('sockjs');
    const client = new SockJsClient(connection, connection.remoteAddress, counters);
    client.identity = identity;
    const registry = this.registries.frontend;
    this.clients.add(client);
    connections.opened();
    connection.on('data', (data: string) => {
      if (counters !== undefined) counters.framesReceived++;
      registry.dispatch(client, data);
    });
    connection.on('close', () => {
      this.clients.delete(client);
      connections.closed();
      registry.clientDisconnected(client);
    });
    registry.clientConnected(client);
    for (const data of held) registry.dispatch(client, data);
  }

  /** Frames sent while the authenticator runs are held, then handed on in order (see sockjs-handshake.ts). */
  private async authenticateThenOpen(connection: sockjs.Connection): Promise<void> {
    const maxHeldBytes = 16 * (this.options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE);
    const accepted = await authenticateSockJsSession(connection, this.handshakes.of(connection), this.authenticator, maxHeldBytes);
    if (accepted) this.open(connection, accepted.identity, accepted.held);
  }
}

/**
 * The `sockjs` package has no origin hook and reads request bodies (xhr_send, jsonp_send) whole, with no
 * size limit, so its requests are screened in front of it:
 * - a request under the prefix whose Origin header is not allowed gets 403. Requests without an Origin
 *   (same-origin GETs from the page itself, non-browser clients) pass, as browsers send Origin on every
 *   cross-origin request and on every POST;
 * - a body over `maxBodyBytes` gets 413 and its connection is closed, having buffered at most one chunk
 *   more than the limit.
 */
function screenRequests(server: Server, prefix: string, allowed: string[] | undefined, maxBodyBytes: number, metrics: SnorkyMetrics): void {
  const ours = (req: IncomingMessage) => {
    const path = (req.url ?? '').split('?')[0];
    return path === prefix || path.startsWith(`${prefix}/`);
  };
  const refused = (req: IncomingMessage) => allowed !== undefined && req.headers.origin !== undefined && !allowed.includes(req.headers.origin);
  interceptServerEvent(server, 'request', (req: IncomingMessage, res: ServerResponse) => {
    if (!ours(req)) return false;
    if (refused(req)) {
      metrics.connectionRefused('origin', `origin ${JSON.stringify(req.headers.origin)} not allowed (sockjs, ${req.socket.remoteAddress ?? 'unknown'})`);
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('Origin not allowed');
      return true;
    }
    return !limitBody(req, res, maxBodyBytes);
  });
  interceptServerEvent(server, 'upgrade', (req: IncomingMessage, socket: Duplex) => {
    if (!ours(req) || !refused(req)) return false;
    metrics.connectionRefused('origin', `origin ${JSON.stringify(req.headers.origin)} not allowed (sockjs, ${req.socket.remoteAddress ?? 'unknown'})`);
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
    return true;
  });
}

/** Watches the body of `req`; false (and 413 sent) if its declared length is already over `max`. */
function limitBody(req: IncomingMessage, res: ServerResponse, max: number): boolean {
  const tooLarge = () => {
    if (!res.headersSent) res.writeHead(413, { 'Content-Type': 'text/plain', Connection: 'close' }).end('Payload too large');
    req.socket.destroySoon?.();
  };
  if (Number(req.headers['content-length'] ?? 0) > max) {
    tooLarge();
    return false;
  }
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > max && !res.headersSent) {
      req.pause();
      tooLarge();
    }
  });
  return true;
}
