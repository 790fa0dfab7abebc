import type { INestApplication, ModuleMetadata, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo, Server, Socket } from 'net';
import WebSocket from 'ws';
import { PubSubBackend, PubSubService, SnorkyModule, type FrontendEndpointOptions } from '@snorky/nest';
import { Snorky, type ServiceClasses, type SignalLike, type SnorkyOptions } from '@snorky/client';
import { TEST_API_KEY } from '../../support/snorky-app';
import { CalcService } from './probe.service';

export { backendCall } from '../../support/snorky-app';

export interface ClientTestServer {
  app: INestApplication;
  port: number;
  wsUrl: string;
  backendUrl: string;
  close(): Promise<void>;
}

/** Services every client suite talks to; suites add their own (e.g. DataSync). */
export const BASE_PROVIDERS: Provider[] = [CalcService, PubSubService, PubSubBackend];

export interface ServerExtras {
  providers?: Provider[];
  imports?: ModuleMetadata['imports'];
  controllers?: ModuleMetadata['controllers'];
  /** Extra frontend options, e.g. `{ sockjsPrefix: '/sockjs' }`. */
  frontend?: Pick<FrontendEndpointOptions, 'sockjsPrefix' | 'authenticator'>;
}

/**
 * A real Nest app with SnorkyModule. `port` 0 picks a free one; passing the
 * port of a stopped server starts it again at the same address (reconnect tests).
 */
export async function startClientTestServer(port = 0, extra: ServerExtras = {}): Promise<ClientTestServer> {
  const moduleRef = await Test.createTestingModule({
    imports: [SnorkyModule.forRoot({ frontend: { path: '/ws', ...extra.frontend }, backend: { path: '/backend', apiKeys: [TEST_API_KEY] } }), ...(extra.imports ?? [])],
    providers: [...BASE_PROVIDERS, ...(extra.providers ?? [])],
    controllers: extra.controllers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: process.env.SNORKY_TEST_LOGS ? undefined : false });
  await app.listen(port, '127.0.0.1');
  const httpServer = app.getHttpServer() as Server;
  const actualPort = (httpServer.address() as AddressInfo).port;
  // Every TCP connection, upgraded WebSockets included: stopping the server cuts them like a dying process
  // would (Nest's shutdown alone waits for WebSocket clients to leave).
  const sockets = new Set<Socket>();
  httpServer.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let closing: Promise<void> | null = null;
  return {
    app,
    port: actualPort,
    wsUrl: `ws://127.0.0.1:${actualPort}/ws`,
    backendUrl: `http://127.0.0.1:${actualPort}/backend`,
    close: () => {
      if (!closing) {
        for (const socket of sockets) socket.destroy();
        closing = app.close();
      }
      return closing;
    },
  };
}

/** Fast retries so reconnect tests take milliseconds, not seconds. */
export const FAST_RECONNECT = { initialDelay: 50, maxDelay: 400, factor: 2, jitter: 0.5 };

/** A client in Node (`ws` as the socket class), not waiting for the connection. */
export function createClient<M extends ServiceClasses>(url: string, services: M, options: SnorkyOptions = {}): Snorky<M> {
  return new Snorky(url, services, { socketClass: WebSocket, reconnect: FAST_RECONNECT, ...options });
}

/** A client in Node, once connected. */
export async function connectClient<M extends ServiceClasses>(url: string, services: M, options: SnorkyOptions = {}): Promise<Snorky<M>> {
  const snorky = createClient(url, services, options);
  await nextEvent(snorky.connected, 5000, 'connected');
  return snorky;
}

/** The next dispatch of a signal; rejects naming the event if it does not come in time. */
export function nextEvent<T>(signal: SignalLike<T>, timeoutMs = 5000, what = 'event'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      binding.detach();
      reject(new Error(`no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const binding = signal.addOnce((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Collects every dispatch of a signal. */
export function record<T>(signal: SignalLike<T>): T[] {
  const seen: T[] = [];
  signal.add((value) => seen.push(value));
  return seen;
}

/** Resolves when `condition()` holds; rejects with `what` after the timeout. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
