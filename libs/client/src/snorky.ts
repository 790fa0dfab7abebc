import { backoffDelay, resolveReconnectOptions, restartDelay, SERVER_RESTART_CLOSE_CODES, type ReconnectOptions, type ResolvedReconnectOptions } from './backoff';
import { defaults, type PromiseClass } from './defaults';
import { currentIdentityToken, Identity, type AuthenticatedEvent, type IdentityTokenOption } from './identity';
import { RpcService } from './rpc-service';
import type { Service, ServiceClass } from './service';
import type { SignalClass, SignalLike } from './signal';
import { messageText, type SocketClass, type SocketLike } from './socket';

export type ServiceClasses = Record<string, ServiceClass>;
export type ServiceInstances<M extends ServiceClasses> = { [K in keyof M]: InstanceType<M[K]> };

export type Logger = Pick<Console, 'debug' | 'warn' | 'error'>;

export interface SnorkyOptions {
  /** Socket class; default `globalThis.WebSocket`. In Node pass `WebSocket` from `ws`; for fallbacks pass `SockJS`. */
  socketClass?: SocketClass;
  /** Sub-protocols passed to the socket constructor (only when given). */
  protocols?: string | string[];
  /** Log connection events and odd messages through `logger.debug`. */
  debug?: boolean;
  /** Where logs go; default `console`. */
  logger?: Logger;
  /** Reconnect automatically after a lost connection (default on), or `false`. */
  reconnect?: boolean | ReconnectOptions;
  /** Connect in the constructor (default true); otherwise call `connect()`. */
  autoConnect?: boolean;
  /** Promise class for this instance; default `Snorky.Promise`. */
  Promise?: PromiseClass;
  /** Event class for this instance; default `Snorky.Signal`. */
  Signal?: SignalClass;
  /**
   * Who this page's user is, for the server's `identity` service (PROTOCOL §7): the token the web
   * backend got from `authorizeIdentity`, or a function returning it (or a promise of it), called
   * again at every reconnect. On each connection `authenticate` is sent and answered before any
   * queued request goes out and before subscriptions are restored. No token (null): anonymous.
   */
  identityToken?: IdentityTokenOption;
  /** Name of the server's frontend identity service. Default 'identity'. */
  identityService?: string;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectedEvent {
  /** True when this connection replaces a lost one. */
  reconnected: boolean;
}

export interface DisconnectedEvent {
  code?: number;
  reason?: string;
  /** False when an attempt to connect failed before the socket opened. */
  wasConnected: boolean;
  /** True when `disconnect()` closed it. */
  byClient: boolean;
  /** True when another attempt is scheduled. */
  willReconnect: boolean;
}

export interface ReconnectingEvent {
  /** 1 for the first retry after a loss, growing while attempts fail. */
  attempt: number;
  /** Milliseconds until the attempt. */
  delay: number;
}

interface QueuedFrame {
  frame: string;
  onSent?: () => void;
}

function isSocketClass(value: unknown): value is SocketClass {
  return typeof value === 'function';
}

/**
 * A connection to a Snorky server and its service connectors:
 *
 *     const snorky = new Snorky('ws://localhost:5001/ws', { pubsub: PubSub }, { socketClass: WebSocket });
 *     snorky.services.pubsub.subscribe({ channel: 'news' });
 *
 * The original signature `new Snorky(socketClass, url, services, options)` is accepted too.
 */
export class Snorky<M extends ServiceClasses = ServiceClasses> {
  readonly address: string;
  readonly services: ServiceInstances<M>;
  readonly debug: boolean;
  readonly connected: SignalLike<ConnectedEvent>;
  readonly disconnected: SignalLike<DisconnectedEvent>;
  readonly reconnecting: SignalLike<ReconnectingEvent>;
  /** After `authenticate` on each connection (only with `identityToken`): the identity, or why none. */
  readonly authenticated: SignalLike<AuthenticatedEvent>;

  private readonly options: SnorkyOptions;
  private readonly logger: Logger;
  private readonly reconnectOptions: ResolvedReconnectOptions | null;
  private socket: SocketLike | null = null;
  private queue: QueuedFrame[] = [];
  private currentState: ConnectionState = 'idle';
  private hasBeenConnected = false;
  private failedAttempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** Calls the identity service (the services map's connector of that name, or one of our own). */
  private readonly identityConnector: RpcService | null = null;
  /** Set while the authenticate frame is written: it goes out ahead of the queue. */
  private sendingAhead = false;

  constructor(url: string, services: M, options?: SnorkyOptions);
  constructor(socketClass: SocketClass, url: string, services: M, options?: SnorkyOptions);
  constructor(...args: [string, M, SnorkyOptions?] | [SocketClass, string, M, SnorkyOptions?]) {
    let url: string;
    let services: M;
    let options: SnorkyOptions;
    if (isSocketClass(args[0])) {
      const [socketClass, givenUrl, givenServices, givenOptions] = args as [SocketClass, string, M, SnorkyOptions?];
      url = givenUrl;
      services = givenServices;
      options = { ...givenOptions, socketClass };
    } else {
      [url, services] = args as [string, M];
      options = { ...(args[2] as SnorkyOptions | undefined) };
    }
    if (typeof url !== 'string') throw new TypeError('Snorky: the address must be a string');

    this.address = url;
    this.options = options;
    this.debug = options.debug ?? false;
    this.logger = options.logger ?? console;
    this.reconnectOptions = resolveReconnectOptions(options.reconnect);
    this.connected = this.createSignal<ConnectedEvent>();
    this.disconnected = this.createSignal<DisconnectedEvent>();
    this.reconnecting = this.createSignal<ReconnectingEvent>();
    this.authenticated = this.createSignal<AuthenticatedEvent>();

    const instances: Record<string, Service> = {};
    for (const [name, ServiceCtor] of Object.entries(services ?? {})) instances[name] = new ServiceCtor(name, this);
    this.services = instances as ServiceInstances<M>;
    if (options.identityToken !== undefined) {
      const name = options.identityService ?? 'identity';
      const listed = Object.prototype.hasOwnProperty.call(instances, name) ? instances[name] : undefined;
      this.identityConnector = listed instanceof RpcService ? listed : new Identity(name, this);
    }

    if (options.autoConnect !== false) this.connect();
  }

  /** Promise class used for requests (the instance option, else `Snorky.Promise` at call time). */
  get Promise(): PromiseClass {
    return this.options.Promise ?? defaults.Promise;
  }

  /** Creates an event with the configured event class. */
  createSignal<T>(): SignalLike<T> {
    const SignalCtor = this.options.Signal ?? defaults.Signal;
    return new SignalCtor<T>();
  }

  get socketClass(): SocketClass | undefined {
    return this.options.socketClass ?? (globalThis as { WebSocket?: SocketClass }).WebSocket;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** Whether a socket is open. */
  get isConnected(): boolean {
    return this.currentState === 'open';
  }

  /** Whether a connection attempt is under way or scheduled. */
  get isConnecting(): boolean {
    return this.currentState === 'connecting' || this.currentState === 'reconnecting';
  }

  /** Number of frames waiting for the socket to open. */
  get queuedMessages(): number {
    return this.queue.length;
  }

  /** Opens the connection (done by the constructor unless `autoConnect: false`). No-op when open or connecting. */
  connect(): void {
    if (this.currentState === 'open' || this.currentState === 'connecting') return;
    this.clearReconnectTimer();
    this.openSocket();
  }

  /**
   * Closes the connection and stops reconnecting. Calls waiting for a reply
   * or still queued reject with `DisconnectedError`; connectors forget their
   * subscriptions. `connect()` starts a new session.
   */
  disconnect(): void {
    this.clearReconnectTimer();
    const socket = this.socket;
    const wasOpen = this.currentState === 'open';
    this.socket = null;
    this.currentState = 'closed';
    this.queue = [];
    // A later connect() starts a new session, not a reconnection.
    this.hasBeenConnected = false;
    this.failedAttempts = 0;
    if (socket) {
      detach(socket);
      try {
        socket.close(1000, 'Client disconnected');
      } catch {
        // A socket that is still connecting may refuse close(); it is detached anyway.
      }
    }
    this.logDebug('Snorky: disconnected by the client');
    this.eachService((service) => service.handleDisconnect());
    this.identityConnector?.handleDisconnect();
    if (socket) this.disconnected.dispatch({ code: 1000, reason: 'Client disconnected', wasConnected: wasOpen, byClient: true, willReconnect: false });
  }

  /** Sends an envelope to a service, or queues it until the socket opens. */
  sendServiceMessage(serviceName: string, message: unknown, onSent?: () => void): void {
    const frame = JSON.stringify({ service: serviceName, message });
    if ((this.currentState === 'open' || this.sendingAhead) && this.socket) {
      this.socket.send(frame);
      onSent?.();
    } else {
      this.queue.push({ frame, onSent });
    }
  }

  /** Logs through `logger.debug`, only in debug mode. */
  logDebug(...args: unknown[]): void {
    if (this.debug) this.logger.debug(...args);
  }

  private openSocket(): void {
    const SocketCtor = this.socketClass;
    if (!SocketCtor) {
      throw new Error('Snorky: no WebSocket class available; pass options.socketClass (e.g. WebSocket from "ws" in Node)');
    }
    this.currentState = 'connecting';
    this.logDebug(`Snorky: connecting to ${this.address}`);
    const socket = this.options.protocols !== undefined ? new SocketCtor(this.address, this.options.protocols) : new SocketCtor(this.address);
    this.socket = socket;
    socket.onopen = () => this.onSocketOpen(socket);
    socket.onmessage = (event) => this.onSocketMessage(socket, event.data);
    socket.onclose = (event) => this.onSocketClose(socket, event ?? {});
    socket.onerror = (event) => this.logDebug('Snorky: socket error', event?.message ?? event);
  }

  private onSocketOpen(socket: SocketLike): void {
    if (socket !== this.socket) return;
    if (!this.identityConnector) return this.onConnectionReady(socket);
    // Still 'connecting' for the queue and for services until the server has answered authenticate.
    void this.authenticate(socket, this.identityConnector).then(() => {
      if (socket === this.socket) this.onConnectionReady(socket);
    });
  }

  /** Sends `authenticate` with the current token, first on this socket, and waits for its answer. */
  private async authenticate(socket: SocketLike, connector: RpcService): Promise<void> {
    let token: string | null;
    try {
      token = await currentIdentityToken(this.options.identityToken!);
    } catch (error) {
      this.logger.warn('Snorky: identityToken failed; this connection stays anonymous', error);
      this.authenticated.dispatch({ error: error instanceof Error ? error : new Error(String(error)) });
      return;
    }
    if (token === null || socket !== this.socket) return;
    let reply: Promise<unknown>;
    this.sendingAhead = true;
    try {
      reply = Promise.resolve(connector.call('authenticate', { token }));
    } finally {
      this.sendingAhead = false;
    }
    try {
      const identity = await reply;
      this.logDebug('Snorky: authenticated as', identity);
      this.authenticated.dispatch({ identity });
    } catch (error) {
      if (socket !== this.socket) return;
      this.logger.warn('Snorky: the server refused the identity token; this connection stays anonymous', error);
      this.authenticated.dispatch({ error: error as Error });
    }
  }

  private onConnectionReady(socket: SocketLike): void {
    const reconnected = this.hasBeenConnected;
    this.currentState = 'open';
    this.hasBeenConnected = true;
    this.failedAttempts = 0;
    this.logDebug(reconnected ? 'Snorky: reconnected' : 'Snorky: connected');
    // Connectors restore their state (e.g. PubSub subscriptions) before queued requests go out.
    if (reconnected) this.eachService((service) => service.handleReconnected());
    const queued = this.queue;
    this.queue = [];
    for (const { frame, onSent } of queued) {
      socket.send(frame);
      onSent?.();
    }
    this.connected.dispatch({ reconnected });
  }

  private onSocketMessage(socket: SocketLike, data: unknown): void {
    if (socket !== this.socket) return;
    let packet: unknown;
    try {
      packet = JSON.parse(messageText(data));
    } catch {
      this.logger.warn('Snorky: dropped a frame that is not JSON');
      return;
    }
    const { service: name, message } = (packet ?? {}) as { service?: unknown; message?: unknown };
    const listed = typeof name === 'string' && Object.prototype.hasOwnProperty.call(this.services, name) ? (this.services as Record<string, Service>)[name] : undefined;
    const service = listed ?? (this.identityConnector && name === this.identityConnector.name ? this.identityConnector : undefined);
    if (!service) {
      this.logDebug('Snorky: message for an unknown service', packet);
      return;
    }
    try {
      service.handleMessage(message);
    } catch (error) {
      // One bad listener must not break the socket handler for everyone else.
      this.logger.error(`Snorky: error while handling a message of service "${name as string}"`, error);
    }
  }

  private onSocketClose(socket: SocketLike, event: { code?: number; reason?: string }): void {
    if (socket !== this.socket) return;
    detach(socket);
    this.socket = null;
    const wasConnected = this.currentState === 'open';
    if (wasConnected) this.eachService((service) => service.handleConnectionLost());
    else {
      this.failedAttempts++;
      // An authenticate in flight is lost with the socket (its connector may not be in the services map).
      this.identityConnector?.handleConnectionLost();
    }

    const attempt = wasConnected ? 0 : this.failedAttempts;
    const retry = this.reconnectOptions !== null && attempt < this.reconnectOptions.maxAttempts;
    this.currentState = retry ? 'reconnecting' : 'closed';
    this.logDebug(wasConnected ? 'Snorky: connection lost' : 'Snorky: connection attempt failed', event.code, event.reason ?? '');
    this.disconnected.dispatch({ code: event.code, reason: event.reason, wasConnected, byClient: false, willReconnect: retry });
    const restart = wasConnected && event.code !== undefined && SERVER_RESTART_CLOSE_CODES.includes(event.code);
    if (retry && this.currentState === 'reconnecting') this.scheduleReconnect(attempt, restart);
  }

  /** `restart`: the server said it goes away or restarts; spread over restartWindow rather than backoff. */
  private scheduleReconnect(attempt: number, restart = false): void {
    const delay = restart ? restartDelay(this.reconnectOptions!) : backoffDelay(attempt, this.reconnectOptions!);
    this.logDebug(`Snorky: reconnecting in ${delay} ms (attempt ${attempt + 1})`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.currentState === 'reconnecting') this.openSocket();
    }, delay);
    this.reconnecting.dispatch({ attempt: attempt + 1, delay });
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private eachService(action: (service: Service) => void): void {
    for (const service of Object.values(this.services) as Service[]) {
      try {
        action(service);
      } catch (error) {
        this.logger.error(`Snorky: error in service "${service.name}"`, error);
      }
    }
  }

  /** `Snorky.Promise`: the process-wide Promise class (AngularJS adapter sets `$q`). */
  static get Promise(): PromiseClass {
    return defaults.Promise;
  }
  static set Promise(value: PromiseClass) {
    defaults.Promise = value;
  }

  /** `Snorky.Signal`: the process-wide event class, read when a `Snorky` is constructed. */
  static get Signal(): SignalClass {
    return defaults.Signal;
  }
  static set Signal(value: SignalClass) {
    defaults.Signal = value;
  }
}

function detach(socket: SocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  // Not null: `ws` throws when an 'error' event has no listener (e.g. close() while connecting).
  socket.onerror = () => {};
}
