import { INestApplication, ModuleMetadata, Provider } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'net';
import { SnorkyModule, SnorkyModuleOptions } from '@snorky/nest';

export const TEST_API_KEY = 'test-key';

export interface RunningSnorkyApp {
  app: INestApplication;
  port: number;
  wsUrl: string;
  backendUrl: string;
  close(): Promise<void>;
}

/** The HTTP platforms Snorky must behave identically on; suites that touch HTTP run once per adapter. */
export const HTTP_ADAPTERS = ['express', 'fastify'] as const;
export type HttpAdapterName = (typeof HTTP_ADAPTERS)[number];

export interface SnorkyAppExtra extends Pick<ModuleMetadata, 'imports' | 'controllers'> {
  /** Default 'express'. */
  adapter?: HttpAdapterName;
  /** Runs before listen: global prefix, useGlobal* enhancers, ... */
  configure?: (app: INestApplication) => void;
}

/**
 * A real Nest app with SnorkyModule on a random port: real WebSocket, real HTTP, nothing mocked.
 * `providers` are the services (and dealers) under test.
 */
export async function startSnorkyApp(
  providers: Provider[],
  options: Partial<SnorkyModuleOptions> = {},
  extra: SnorkyAppExtra = {},
): Promise<RunningSnorkyApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      SnorkyModule.forRoot({
        frontend: { path: '/ws', ...options.frontend },
        backend: options.backend === false ? false : { path: '/backend', apiKeys: [TEST_API_KEY], ...options.backend },
        ...(options.maxFrameSize ? { maxFrameSize: options.maxFrameSize } : {}),
        ...(options.cluster ? { cluster: options.cluster } : {}),
        ...(options.limits ? { limits: options.limits } : {}),
        ...(options.shutdownTimeout !== undefined ? { shutdownTimeout: options.shutdownTimeout } : {}),
        ...(options.globalEnhancers ? { globalEnhancers: true } : {}),
      }),
      ...(extra.imports ?? []),
    ],
    controllers: extra.controllers ?? [],
    providers,
  }).compile();
  const logger = process.env.SNORKY_TEST_LOGS ? undefined : false;
  const app: INestApplication =
    extra.adapter === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger })
      : moduleRef.createNestApplication({ logger });
  extra.configure?.(app);
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return {
    app,
    port,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    backendUrl: `http://127.0.0.1:${port}/backend`,
    close: () => app.close(),
  };
}

/** POSTs one envelope to a backend endpoint, as the original Python connector does. */
export async function postBackend(
  url: string,
  envelope: unknown,
  key: string | null = TEST_API_KEY,
): Promise<{ status: number; body: any; text: string }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (key !== null) headers['X-Backend-Key'] = key;
  const res = await fetch(url, { method: 'POST', headers, body: typeof envelope === 'string' ? envelope : JSON.stringify(envelope) });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/** Calls a backend command and returns the RPC reply message (the envelope's `message`). */
export async function backendCall(url: string, service: string, command: string, params: object): Promise<any> {
  const res = await postBackend(url, { service, message: { command, params } });
  if (res.status !== 200) throw new Error(`backend answered ${res.status}: ${res.text}`);
  return res.body.message;
}
