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
import { applyHttpTimeouts } from '../limits/http-timeouts';
import { type ResolvedLimits, resolveLimits } from '../limits/resolved-limits';
import { DrainState } from './drain-state';
import { EndpointListeners, notFound } from './endpoint-listeners';
import { SockJsTransport } from './sockjs.transport';
import { WebSocketClient, WebSocketTransport } from './websocket-client';
import type { TransportStats } from '../metrics/node-stats';
import { SnorkyMetrics } from '../metrics/snorky-metrics';
import { WebSocketHandshake } from './websocket-handshake';
import { ConnectionAuthenticator } from '../handshake/connection-authenticator';

/** Close code sent to every WebSocket client when the node shuts down (RFC 6455: going away). */
export const SHUTDOWN_CLOSE_CODE = 1001;
/** Time kept at the end of the drain for the WebSocket close handshakes (at most 30% of the bound). */
const DRAIN_CLOSE_MS = 1000;

type VerifyClient = NonNullable<WebSocketHandshake['verifyClient']>;

/**
 * The frontend registry over WebSocket: a `ws` server taking the upgrades for its path on a shared or
 * own HTTP server. Turns frames into (client, frame) for the registry; knows nothing of services.
 * `ws` directly rather than @nestjs/platform-ws's WsAdapter: that package is versioned with Nest, and as a
 * peer `^11 || ^12` npm installs its newest (Nest 12) into a Nest 11 app and the install fails (ERESOLVE).
 * Enforces the frontend's limits (PROTOCOL §11) and drains it on shutdown.
 */
@Injectable()
export class SnorkyWebSocketGateway implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SnorkyWebSocketGateway');
  private readonly limits: ResolvedLimits;
  private server?: Server;
  private wss?: WebSocketServer;
  private detachUpgrades?: () => void;
  private pingTimer?: NodeJS.Timeout;
  private readonly clients = new Set<WebSocketClient>();
  private handshake?: WebSocketHandshake;
  private shared?: WebSocketTransport;
  private readonly connections: TransportStats;

  constructor(
    @Inject(SNORKY_OPTIONS) private readonly options: SnorkyModuleOptions,
    private readonly registries: SnorkyRegistries,
    private readonly adapterHost: HttpAdapterHost,
    private readonly listeners: EndpointListeners,
    private readonly sockjs: SockJsTransport,
    private readonly authenticator: ConnectionAuthenticator,
    private readonly drain: DrainState,
    private readonly metrics: SnorkyMetrics,
  ) {
    this.limits = resolveLimits(options);
    this.connections = metrics.transport('websocket');
    metrics.watchWriteQueue(() => {
      let bytes = 0;
      for (const client of this.clients) bytes += client.socket.bufferedAmount;
      return bytes;
    });
  }

  /** True once the WebSocket endpoint is bound and its HTTP server listens (liveness). */
  get listening(): boolean {
    return !!this.server?.listening && !!this.wss;
  }

  async onApplicationBootstrap(): Promise<void> {
    const frontend = this.options.frontend ?? {};
    const server: Server =
      frontend.port !== undefined
        ? await this.listeners.open('frontend', frontend.port, frontend.host ?? '0.0.0.0', (_req, res) => notFound(res))
        : this.adapterHost.httpAdapter.getHttpServer();
    this.server = server;
    // A shared app server gets Snorky's HTTP timeouts only when the user set them (they apply to all its routes).
    if (frontend.port === undefined) applyHttpTimeouts(server, this.options.limits ?? {});
    const maxFrameSize = this.options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    const allowedOrigins = frontend.allowedOrigins;
    const path = frontend.path ?? '/ws';
    const handshake = (this.handshake = new WebSocketHandshake(allowedOrigins, this.authenticator, this.metrics));
    const wss = new WebSocketServer({
      noServer: true,
      // `ws` buffers at most this for one frame or fragmented message; over it, it closes with 1009.
      maxPayload: maxFrameSize,
      perMessageDeflate: false,
      // `this.clients` tracks them already: a second Set entry per connection is memory for nothing.
      clientTracking: false,
      verifyClient: this.verifyClient(handshake.verifyClient),
    });
    this.shared = this.sharedTransport();
    wss.on('connection', (socket: WebSocket, request: IncomingMessage) => this.onConnection(socket, request));
    wss.on('error', (err) => this.logger.error(err));
    this.wss = wss;
    this.detachUpgrades = takeUpgrades(server, path, wss);
    // SockJS installs after the WebSocket upgrade handler so it can hand on what is not its own.
    if (frontend.sockjsPrefix) {
      this.sockjs.install(server, frontend.sockjsPrefix, { allowedOrigins, maxFrameSize, refusal: () => this.refusal() });
    }
    this.startPing(frontend.pingInterval ?? DEFAULT_PING_INTERVAL);
  }

  /** The node's own refusals (draining, connection cap: 503) come before the handshake's checks. */
  private verifyClient(handshake: VerifyClient | undefined): VerifyClient {
    return (info, done) => {
      const refusal = this.refusal();
      if (refusal) {
        this.metrics.connectionRefused(this.drain.draining ? 'draining' : 'limit', `${refusal} (websocket, ${info.req.socket.remoteAddress ?? 'unknown'})`);
        return done(false, 503, refusal);
      }
      return handshake ? handshake(info, done) : done(true);
    };
  }

  /** Why a new frontend connection is refused now (draining, or the node's connection cap), if it is. */
  private refusal(): string | undefined {
    if (this.drain.draining) return 'Shutting down';
    const max = this.limits.maxConnections;
    if (max > 0 && this.clients.size + this.sockjs.connectionCount >= max) return 'Too many connections';
    return undefined;
  }

  /**
   * The drain (app.close(), SIGTERM), bounded by `shutdownTimeout`: refuse new connections and backend
   * requests (503), let backend requests in flight finish, then close every WebSocket client with 1001
   * after the frames queued for it, close the SockJS sessions, and cut whatever HTTP connection is left
   * (half-sent requests included) so the server closes at once. Before the app's HTTP server closes:
   * it would wait forever for the upgraded sockets.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const bound = this.limits.shutdownTimeout * 1000;
    const deadline = Date.now() + bound;
    const closeTime = Math.min(DRAIN_CLOSE_MS, bound * 0.3);
    this.drain.beginDrain();
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.server?.listening) this.server.close();
    this.listeners.stopAccepting();
    const settled = await this.drain.settled(deadline - closeTime - Date.now());
    if (!settled) this.logger.warn(`${this.drain.requestsInFlight} backend requests still in flight at the end of the drain`);
    // What is left of the bound, less a moment to cut what did not close by itself.
    await this.closeClients(deadline - closeTime / 5 - Date.now());
    this.sockjs.closeAll(SHUTDOWN_CLOSE_CODE, 'Server shutting down');
    // Responses just completed are flushed within a tick; then nothing may keep the server open.
    await new Promise((resolve) => setTimeout(resolve, 50));
    this.server?.closeAllConnections?.();
    this.detachUpgrades?.();
    const wss = this.wss;
    if (!wss) return;
    const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
    const left = [...this.clients].map((client) => client.socket);
    const gone = left.map((socket) => new Promise<void>((resolve) => (socket.readyState === socket.CLOSED ? resolve() : socket.once('close', () => resolve()))));
    for (const socket of left) socket.terminate();
    await Promise.all([closed, ...gone]);
  }

  /** Each client gets its queued frames, then a 1001 close frame; those still open after `waitMs` are cut. */
  private async closeClients(waitMs: number): Promise<void> {
    const open = [...this.clients];
    if (open.length === 0) return;
    const closed = Promise.all(
      open.map(
        (client) =>
          new Promise<void>((resolve) => {
            if (client.socket.readyState === client.socket.CLOSED) return resolve();
            client.socket.once('close', () => resolve());
          }),
      ),
    );
    // The drain's bound, not the usual 1 s grace: a client may need the time to read what is queued for it.
    for (const client of open) client.close(SHUTDOWN_CLOSE_CODE, 'Server shutting down', Math.max(0, waitMs));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, waitMs))))]);
    clearTimeout(timer);
    for (const client of open) client.socket.terminate();
  }

  private onConnection(socket: WebSocket, request: IncomingMessage): void {
    const client = new WebSocketClient(socket, request.socket as Socket, this.shared!);
    client.identity = this.handshake?.identityOf(request);
    this.clients.add(client);
    this.connections.opened();
    this.registries.frontend.clientConnected(client);
  }

  /** The gateway's side of every client: one object for all connections (see WebSocketTransport). */
  private sharedTransport(): WebSocketTransport {
    const registry = this.registries.frontend;
    const counters = this.metrics.frameCounters('websocket');
    return {
      maxBufferedBytes: this.options.frontend?.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
      frameTimeoutMs: this.limits.frameTimeout * 1000,
      byteBudget: { perSecond: this.limits.maxBytesPerSecond, burst: this.options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE },
      counters,
      received: (client, data, isBinary) => {
        if (counters !== undefined) counters.framesReceived++;
        if (isBinary) return dropFrame('websocket', 'binary', 'binary frame (Snorky frames are text)', client, this.metrics);
        registry.dispatch(client, data);
      },
      closed: (client) => {
        this.clients.delete(client);
        this.connections.closed();
        registry.clientDisconnected(client);
      },
      stalled: (client) => this.dropStalled(client),
      failed: (_client, err) => this.logger.error(err),
    };
  }

  /** Frees what a stalled client holds: its socket goes at once (a close frame would queue behind the data). */
  private dropStalled(client: WebSocketClient): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    this.metrics.clientStalled(`client ${client.id} (${client.remoteAddress ?? 'unknown'}) stopped reading: over ${client.socket.bufferedAmount} bytes queued; disconnected`);
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
    const url = request.url ?? '';
    // The common case without a URL parse per handshake; anything else (encodings, dots) goes through URL.
    if (url === path || (url.startsWith(path) && url.charCodeAt(path.length) === 63 /* ? */) || pathnameOf(request) === path) {
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
