import { Inject, Injectable, Logger } from '@nestjs/common';
import { IncomingMessage, Server, ServerResponse } from 'http';
import type { Duplex } from 'stream';
import * as sockjs from 'sockjs';
import { Client, newClientId, TransportKind } from '../client/client';
import type { Frame } from '../protocol/envelope';
import { SnorkyRegistries } from '../registry/snorky-registries';
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
  ) {}

  send(frame: Frame): void {
    this.connection.write(typeof frame === 'string' ? frame : frame.toString('utf8'));
  }
}

/** The frontend registry over SockJS (the original's third request handler), for clients without WebSocket. */
@Injectable()
export class SockJsTransport {
  private readonly logger = new Logger('SnorkySockJS');

  private readonly handshakes = new SockJsHandshakes();

  constructor(
    private readonly registries: SnorkyRegistries,
    private readonly authenticator: ConnectionAuthenticator,
    @Inject(SNORKY_OPTIONS) private readonly options: SnorkyModuleOptions,
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
      if (this.authenticator.enabled) void this.authenticateThenOpen(connection);
      else this.open(connection, undefined, []);
    });
    sockjsServer.installHandlers(server, { prefix });
    if (this.authenticator.enabled) this.handshakes.install(server, prefix);
    if (allowedOrigins) refuseOtherOrigins(server, prefix, allowedOrigins);
  }

  private open(connection: sockjs.Connection, identity: unknown, held: string[]): void {
    const client = new SockJsClient(connection, connection.remoteAddress);
    client.identity = identity;
    const registry = this.registries.frontend;
    connection.on('data', (data: string) => registry.dispatch(client, data));
    connection.on('close', () => registry.clientDisconnected(client));
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
 * The `sockjs` package has no origin hook, so its requests are screened in front of it: a request
 * under the prefix whose Origin header is not allowed gets 403. Requests without an Origin (same-origin
 * GETs from the page itself, non-browser clients) pass, as browsers send Origin on every cross-origin
 * request and on every POST.
 */
function refuseOtherOrigins(server: Server, prefix: string, allowed: string[]): void {
  const refused = (req: IncomingMessage) => {
    const path = (req.url ?? '').split('?')[0];
    const origin = req.headers.origin;
    return (path === prefix || path.startsWith(`${prefix}/`)) && origin !== undefined && !allowed.includes(origin);
  };
  interceptServerEvent(server, 'request', (req: IncomingMessage, res: ServerResponse) => {
    if (!refused(req)) return false;
    res.writeHead(403, { 'Content-Type': 'text/plain' }).end('Origin not allowed');
    return true;
  });
  interceptServerEvent(server, 'upgrade', (req: IncomingMessage, socket: Duplex) => {
    if (!refused(req)) return false;
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
    return true;
  });
}
