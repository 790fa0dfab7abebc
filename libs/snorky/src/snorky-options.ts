import type { Type } from '@nestjs/common';
import type { SnorkyAuthenticator } from './handshake/snorky-authenticator';

/** Options of `SnorkyModule.forRoot()`. Durations are in seconds, like the protocol states them. */
export interface FrontendEndpointOptions {
  /** WebSocket path. Default '/ws'. */
  path?: string;
  /** Own listener for the frontend; unset = share the Nest app's HTTP server. */
  port?: number;
  /** Host of the own listener. Default '0.0.0.0'. */
  host?: string;
  /** Keep-alive ping interval in seconds; 0 disables. Default 90. */
  pingInterval?: number;
  /** Browser origins allowed to connect (exact match on the Origin header); unset = any. */
  allowedOrigins?: string[];
  /** SockJS prefix serving the same registry (e.g. '/sockjs'); unset = no SockJS. */
  sockjsPrefix?: string;
  /**
   * Bytes that may wait to be written to one WebSocket client; beyond that the client is stalled and
   * is disconnected at once so it cannot exhaust the server's memory. It reconnects and refetches.
   * Default 32 MiB.
   */
  maxBufferedBytes?: number;
  /**
   * Injectable class deciding who each connection is (PROTOCOL §7): its `authenticate(handshake)`
   * returns `client.identity`, or throws to refuse the connection (WebSocket: HTTP 401; SockJS:
   * closed with 4401). Unset: every connection is anonymous until it authenticates with a token.
   */
  authenticator?: Type<SnorkyAuthenticator>;
}

export interface BackendEndpointOptions {
  /** HTTP path of the backend endpoint. Default '/backend'. */
  path?: string;
  /** Own listener for the backend; unset = share the Nest app's HTTP server. */
  port?: number;
  /** Host of the own listener. Default '127.0.0.1': the backend is private by default. */
  host?: string;
  /** Accepted `X-Backend-Key` values; several so keys can be rotated. Required, non-empty. */
  apiKeys: string[];
}

export interface ClusterOptions {
  /** Redis URL, e.g. 'redis://127.0.0.1:6379'. */
  redis: string;
  /** Seconds start-up waits for Redis before failing. Default 5. */
  connectTimeout?: number;
  /** Prefix of every Redis key and channel; all nodes of one cluster use the same. Default 'snorky:'. */
  keyPrefix?: string;
  /**
   * Seconds after which a silent node counts as dead: a surviving node removes its Messaging names,
   * Chat members and cursors (with the `left` / `cursorRemoved` notifications). Default 5.
   */
  nodeTimeout?: number;
  /** Seconds between a node's heartbeats (and sweeps for dead nodes). Default 1. */
  heartbeatInterval?: number;
}

/**
 * Per-connection and per-node limits (PROTOCOL §11). Each has a default; hitting one never affects other
 * connections. Durations in seconds; 0 turns a limit off.
 */
export interface SnorkyLimitsOptions {
  /**
   * Subscriptions one frontend connection may hold in each service (PubSub channels, DataSync
   * subscriptions, Chat channels, Cursors documents); one more answers `Too many subscriptions`.
   * Default 1000.
   */
  maxSubscriptions?: number;
  /** Largest channel (Chat channel, Cursors document, name) as canonical JSON, in bytes; larger: `Invalid params`. Default 1024. */
  maxChannelSize?: number;
  /** Requests per second one frontend connection may send; over it: `Too many requests`. Default 200. */
  maxRequestsPerSecond?: number;
  /**
   * Requests a frontend connection may send at once before the rate applies (token bucket size).
   * A connection that goes on flooding after being refused as many requests again is closed (1008).
   * Default 1000.
   */
  requestBurst?: number;
  /**
   * Bytes per second one WebSocket connection is read at, as a token bucket whose burst is maxFrameSize
   * (any single legal frame is read at once). Over it the connection is not read until the budget
   * refills (TCP backpressure: nothing dropped, reordered or closed). Bounds the parsing work one
   * client can make the server do. Default 65536 (64 KiB/s); 0 = no budget.
   */
  maxBytesPerSecond?: number;
  /** Frontend connections (WebSocket + SockJS) one node accepts; more are refused (HTTP 503). Default 10 000. */
  maxConnections?: number;
  /** Seconds a WebSocket frame or fragmented message may stay unfinished before its connection is closed (1008). Default 30. */
  frameTimeout?: number;
  /** Seconds an HTTP request (backend, SockJS, WebSocket upgrade) may take to send its head. Default 10. */
  headersTimeout?: number;
  /** Seconds an HTTP request may take to send its head and body. Default 30. */
  requestTimeout?: number;
}

export interface SnorkyModuleOptions {
  frontend?: FrontendEndpointOptions;
  /** false: no backend endpoint at all. */
  backend?: BackendEndpointOptions | false;
  /** Largest frame (WebSocket message or backend body) accepted, in bytes. Default 1 MiB. */
  maxFrameSize?: number;
  /**
   * Deepest nesting of objects and arrays a frame (or backend body) may have, the envelope
   * included; deeper ones are dropped as malformed (backend: 400). Default 64 (DEFAULT_MAX_JSON_DEPTH).
   */
  maxJsonDepth?: number;
  /** Run as one node of a cluster; unset = single node, in-memory broker. */
  cluster?: ClusterOptions;
  /**
   * Apply the app's global guards, interceptors, pipes and filters (`useGlobal*`, `APP_*`) to commands too.
   * Default false: like Nest's gateways, commands run only the enhancers declared on their method and class
   * (global ones are usually written for HTTP requests). See docs/commands.md.
   */
  globalEnhancers?: boolean;
  /** Per-connection limits, timeouts and the per-node connection cap (PROTOCOL §11). */
  limits?: SnorkyLimitsOptions;
  /**
   * Seconds `app.close()` (SIGTERM/SIGINT in the standalone server) may take to drain: in-flight backend
   * requests finish, WebSocket clients get their queued frames then close 1001; whatever is still open
   * after it is cut. Default 10.
   */
  shutdownTimeout?: number;
  /**
   * Prometheus metrics in prom-client's default registry (README "Operating Snorky"). Default true;
   * false stops per-frame and per-request counting and exports nothing.
   */
  metrics?: boolean;
  /**
   * `/health`, `/ready`, `/metrics` and `/admin` on the backend's own listener (needs `backend.port`).
   * Default: on with those paths when the backend has its own listener; false: off.
   */
  operations?: OperationsOptions | false;
}

export interface OperationsOptions {
  /** Liveness (200 while the listeners are up). Default '/health'; false: not served. */
  health?: string | false;
  /** Readiness (503 while the broker is unreachable or the node drains). Default '/ready'. */
  ready?: string | false;
  /** Prometheus text exposition of the default registry. Default '/metrics'. */
  metrics?: string | false;
  /** The live admin page, behind the API key (HTTP Basic, the key as password). Default '/admin'. */
  admin?: string | false;
  /** Seconds between two reports of this node's figures (admin page; through Redis in a cluster). Default 2. */
  reportInterval?: number;
}

export const DEFAULT_MAX_FRAME_SIZE = 1024 * 1024;
export const DEFAULT_PING_INTERVAL = 90;
export const DEFAULT_MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
