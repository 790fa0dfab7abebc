import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'http';
import type { Duplex } from 'stream';
import type { Socket } from 'net';
import { WebSocketServer, type WebSocket } from 'ws';
import { dropFrame } from '../registry/drop-frame';
import { SnorkyRegistries } from '../registry/snorky-registries';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import { DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_FRAME_SIZE, DEFAULT_PING_INTERVAL, type SnorkyModuleOptions } from '../snorky-options';
import { EndpointListeners, notFound } from './endpoint-listeners';
import { SockJsTransport } from './sockjs.transport';
import { WebSocketClient } from './websocket-client';
import { WebSocketHandshake } from './websocket-handshake';
import { ConnectionAuthenticator } from '../handshake/connection-authenticator';

/** Frames above maxFrameSize are dropped but the connection stays; above this hard cap `ws` closes it (1009). */
const HARD_FRAME_CAP_FACTOR = 16;

/**
 * The frontend registry over WebSocket: a `ws` server taking the upgrades for its path on a shared or
 * own HTTP server. Turns frames into (client, frame) for the registry; knows nothing of services.
 * `ws` directly rather than @nestjs/platform-ws's WsAdapter: that package is versioned with Nest, and as a
 * peer `^11 || ^12` npm installs its newest (Nest 12) into a Nest 11 app and the install fails (ERESOLVE).
 */
@Injectable()
export class SnorkyWebSocketGateway implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SnorkyWebSocketGateway');
  private wss?: WebSocketServer;
  private detachUpgrades?: () => void;
  private pingTimer?: NodeJS.Timeout;
  private readonly clients = new Set<WebSocketClient>();
  private handshake?: WebSocketHandshake;

  constructor(
    @Inject(SNORKY_OPTIONS) private readonly options: SnorkyModuleOptions,
    private readonly registries: SnorkyRegistries,
    private readonly adapterHost: HttpAdapterHost,
    private readonly listeners: EndpointListeners,
    private readonly sockjs: SockJsTransport,
    private readonly authenticator: ConnectionAuthenticator,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const frontend = this.options.frontend ?? {};
    const server: Server =
      frontend.port !== undefined
        ? await this.listeners.open('frontend', frontend.port, frontend.host ?? '0.0.0.0', (_req, res) => notFound(res))
        : this.adapterHost.httpAdapter.getHttpServer();
    const maxFrameSize = this.options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    const allowedOrigins = frontend.allowedOrigins;
    const path = frontend.path ?? '/ws';
    const handshake = (this.handshake = new WebSocketHandshake(allowedOrigins, this.authenticator));
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: Math.max(16 * 1024 * 1024, maxFrameSize * HARD_FRAME_CAP_FACTOR),
      perMessageDeflate: false,
      verifyClient: handshake.verifyClient,
    });
    wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
      socket.on('error', (err) => this.logger.error(err));
      this.onConnection(socket, request);
    });
    wss.on('error', (err) => this.logger.error(err));
    this.wss = wss;
    this.detachUpgrades = takeUpgrades(server, path, wss);
    // SockJS installs after the WebSocket upgrade handler so it can hand on what is not its own.
    if (frontend.sockjsPrefix) this.sockjs.install(server, frontend.sockjsPrefix, allowedOrigins);
    this.startPing(frontend.pingInterval ?? DEFAULT_PING_INTERVAL);
  }

  /** Before the app's HTTP server closes: it would wait forever for the upgraded sockets. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.detachUpgrades?.();
    const wss = this.wss;
    if (!wss) return;
    const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
    for (const socket of wss.clients) socket.terminate();
    await closed;
  }

  private onConnection(socket: WebSocket, request: IncomingMessage): void {
    const maxBufferedBytes = this.options.frontend?.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    const client = new WebSocketClient(socket, request.socket as Socket, request.socket.remoteAddress, maxBufferedBytes, (stalled) => this.dropStalled(stalled));
    client.identity = this.handshake?.identityOf(request);
    const registry = this.registries.frontend;
    this.clients.add(client);
    socket.on('pong', () => (client.alive = true));
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return dropFrame('websocket', 'binary frame (Snorky frames are text)', client);
      registry.dispatch(client, data);
    });
    socket.on('close', () => {
      this.clients.delete(client);
      registry.clientDisconnected(client);
    });
    registry.clientConnected(client);
  }

  /** Frees what a stalled client holds: its socket goes at once (a close frame would queue behind the data). */
  private dropStalled(client: WebSocketClient): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    this.logger.warn(`client ${client.id} (${client.remoteAddress ?? 'unknown'}) stopped reading: over ${client.socket.bufferedAmount} bytes queued; disconnected`);
    client.socket.terminate();
  }

  /** Pings so NAT routers keep idle connections, and drops peers that stopped answering. */
  private startPing(intervalSeconds: number): void {
    if (intervalSeconds <= 0) return;
    this.pingTimer = setInterval(() => {
      for (const client of this.clients) {
        if (!client.alive) {
          client.socket.terminate();
          continue;
        }
        client.alive = false;
        client.socket.ping();
      }
    }, intervalSeconds * 1000);
    this.pingTimer.unref();
  }
}

/**
 * Hands the upgrades for `path` to `wss`. Another path is left to the app's other upgrade listeners (its
 * own gateways); when there are none, it is answered 404 so the client is not left hanging.
 */
function takeUpgrades(server: Server, path: string, wss: WebSocketServer): () => void {
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (pathnameOf(request) === path) {
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    } else if (server.listenerCount('upgrade') === 1) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  };
  server.on('upgrade', onUpgrade);
  return () => server.off('upgrade', onUpgrade);
}

function pathnameOf(request: IncomingMessage): string {
  try {
    return new URL(request.url ?? '/', 'ws://localhost').pathname;
  } catch {
    return '';
  }
}
