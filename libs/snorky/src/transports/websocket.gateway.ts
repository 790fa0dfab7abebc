import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage, Server } from 'http';
import type { Socket } from 'net';
import type { WebSocket, WebSocketServer } from 'ws';
import type { TransportStats } from '../metrics/node-stats';
import { SnorkyMetrics } from '../metrics/snorky-metrics';
import { dropFrame } from '../registry/drop-frame';
import { SnorkyRegistries } from '../registry/snorky-registries';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import { DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_FRAME_SIZE, DEFAULT_PING_INTERVAL, SnorkyModuleOptions } from '../snorky-options';
import { EndpointListeners, notFound } from './endpoint-listeners';
import { SockJsTransport } from './sockjs.transport';
import { WebSocketClient } from './websocket-client';

/** Frames above maxFrameSize are dropped but the connection stays; above this hard cap `ws` closes it (1009). */
const HARD_FRAME_CAP_FACTOR = 16;

/**
 * The frontend registry over WebSocket, on @nestjs/platform-ws's WsAdapter (path dispatch on a shared
 * or own HTTP server). Turns frames into (client, frame) for the registry; knows nothing of services.
 */
@Injectable()
export class SnorkyWebSocketGateway implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private adapter?: WsAdapter;
  private wss?: WebSocketServer;
  private pingTimer?: NodeJS.Timeout;
  private server?: Server;
  private readonly clients = new Set<WebSocketClient>();
  private counters?: TransportStats;

  constructor(
    @Inject(SNORKY_OPTIONS) private readonly options: SnorkyModuleOptions,
    private readonly registries: SnorkyRegistries,
    private readonly adapterHost: HttpAdapterHost,
    private readonly listeners: EndpointListeners,
    private readonly sockjs: SockJsTransport,
    private readonly metrics: SnorkyMetrics,
  ) {
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
    const maxFrameSize = this.options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    const allowedOrigins = frontend.allowedOrigins;
    this.adapter = new WsAdapter(server);
    this.wss = this.adapter.create(0, {
      path: frontend.path ?? '/ws',
      maxPayload: Math.max(16 * 1024 * 1024, maxFrameSize * HARD_FRAME_CAP_FACTOR),
      perMessageDeflate: false,
      verifyClient: allowedOrigins
        ? (info: { origin: string; req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
            if (allowedOrigins.includes(info.origin)) return done(true);
            this.metrics.connectionRefused('origin', `origin ${JSON.stringify(info.origin)} not allowed (websocket, ${info.req.socket.remoteAddress ?? 'unknown'})`);
            done(false, 403, 'Origin not allowed');
          }
        : undefined,
    }) as WebSocketServer;
    this.adapter.bindClientConnect(this.wss, (socket: WebSocket, request: IncomingMessage) =>
      this.onConnection(socket, request),
    );
    // SockJS installs after the WebSocket upgrade handler so it can hand on what is not its own.
    if (frontend.sockjsPrefix) this.sockjs.install(server, frontend.sockjsPrefix, allowedOrigins);
    this.counters = this.metrics.frameCounters('websocket');
    this.startPing(frontend.pingInterval ?? DEFAULT_PING_INTERVAL);
  }

  /** Before the app's HTTP server closes: it would wait forever for the upgraded sockets. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.adapter && this.wss) {
      await this.adapter.close(this.wss);
      await this.adapter.dispose();
    }
  }

  private onConnection(socket: WebSocket, request: IncomingMessage): void {
    const maxBufferedBytes = this.options.frontend?.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    const counters = this.counters;
    const client = new WebSocketClient(socket, request.socket as Socket, request.socket.remoteAddress, maxBufferedBytes, (stalled) => this.dropStalled(stalled), counters);
    const registry = this.registries.frontend;
    const connections = this.metrics.transport('websocket');
    this.clients.add(client);
    connections.opened();
    socket.on('pong', () => (client.alive = true));
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (counters !== undefined) counters.framesReceived++;
      if (isBinary) return dropFrame('websocket', 'binary', 'binary frame (Snorky frames are text)', client, this.metrics);
      registry.dispatch(client, data);
    });
    socket.on('close', () => {
      this.clients.delete(client);
      connections.closed();
      registry.clientDisconnected(client);
    });
    registry.clientConnected(client);
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
