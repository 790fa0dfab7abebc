import { Module } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import SockJS from 'sockjs-client';
import type { AddressInfo } from 'net';
import { EndpointListeners, PubSubBackend, PubSubService, SnorkyModule, SnorkyModuleOptions } from '@snorky/nest';
import { HTTP_ADAPTERS, TEST_API_KEY, postBackend, startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';
import { CalculatorService } from './examples/calculator.service';
import { ProtocolProbeService } from './examples/protocol-probe.service';

/** PROTOCOL §5 transports: keep-alive ping, origins, SockJS, own listeners, forRootAsync. */
describe.each(HTTP_ADAPTERS)('transports on %s', (adapter) => {
  it('pings WebSocket clients at the configured interval', async () => {
    const server = await startSnorkyApp([CalculatorService], { frontend: { pingInterval: 0.1 } }, { adapter });
    const socket = await TestSocket.open(server.wsUrl);
    let pings = 0;
    socket.ws.on('ping', () => pings++);
    await new Promise((r) => setTimeout(r, 450));
    expect(pings).toBeGreaterThanOrEqual(3);
    expect(socket.isOpen).toBe(true); // ws answers pongs by itself, so the server keeps it
    await socket.close();
    await server.close();
  });

  it('does not ping when pingInterval is 0', async () => {
    const server = await startSnorkyApp([CalculatorService], { frontend: { pingInterval: 0 } }, { adapter });
    const socket = await TestSocket.open(server.wsUrl);
    let pings = 0;
    socket.ws.on('ping', () => pings++);
    await new Promise((r) => setTimeout(r, 300));
    expect(pings).toBe(0);
    await socket.close();
    await server.close();
  });

  it('accepts only allowed origins when an allowlist is set', async () => {
    const server = await startSnorkyApp([CalculatorService], { frontend: { allowedOrigins: ['https://app.example'] } }, { adapter });
    const allowed = await TestSocket.open(server.wsUrl, { origin: 'https://app.example' });
    expect((await allowed.call('calculator', 'sum', { number1: 1, number2: 1 }, 0)).message.data).toBe(2);
    await expect(TestSocket.open(server.wsUrl, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    await expect(TestSocket.open(server.wsUrl)).rejects.toThrow(/403/);
    await allowed.close();
    await server.close();
  });

  it('applies the origin allowlist to SockJS too', async () => {
    const server = await startSnorkyApp([CalculatorService], { frontend: { sockjsPrefix: '/sockjs', allowedOrigins: ['https://app.example'] } }, { adapter });
    const base = `http://127.0.0.1:${server.port}/sockjs`;
    const from = (origin?: string) => fetch(`${base}/000/abc/xhr`, { method: 'POST', headers: origin ? { Origin: origin } : {} });
    expect((await from('https://evil.example')).status).toBe(403);
    expect((await from('https://app.example')).status).toBe(200);
    expect((await fetch(`${base}/info`, { headers: { Origin: 'https://evil.example' } })).status).toBe(403);
    expect((await fetch(`${base}/info`)).status).toBe(200); // same-origin GETs carry no Origin
    expect((await fetch(`http://127.0.0.1:${server.port}/backend`, { method: 'POST', headers: { Origin: 'https://evil.example' } })).status).toBe(401); // other routes untouched
    await server.close();
  });

  it('serves the same frontend registry over SockJS', async () => {
    const server = await startSnorkyApp([PubSubService, PubSubBackend, ProtocolProbeService], { frontend: { sockjsPrefix: '/sockjs' } }, { adapter });
    const sock = new SockJS(`http://127.0.0.1:${server.port}/sockjs`);
    const frames: any[] = [];
    await new Promise<void>((resolve, reject) => {
      sock.onopen = () => resolve();
      sock.onerror = reject;
    });
    sock.onmessage = (e: { data: string }) => frames.push(JSON.parse(e.data));
    const wait = async (n: number) => {
      for (let i = 0; i < 100 && frames.length < n; i++) await new Promise((r) => setTimeout(r, 20));
      return frames[n - 1];
    };
    sock.send(JSON.stringify({ service: 'probe', message: { command: 'whoami', params: {}, callId: 0 } }));
    expect(await wait(1)).toEqual({ service: 'probe', message: { type: 'response', callId: 0, data: 'sockjs' } });
    sock.send('not json at all');
    sock.send(JSON.stringify({ service: 'pubsub', message: { command: 'subscribe', params: { channel: 'c' }, callId: 1 } }));
    expect((await wait(2)).message).toEqual({ type: 'response', callId: 1, data: null });
    await postBackend(server.backendUrl, { service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'c', message: 'to sockjs' } } });
    expect(await wait(3)).toEqual({ service: 'pubsub', message: { type: 'message', channel: 'c', message: 'to sockjs' } });
    // WebSocket still works beside SockJS on the same server.
    const socket = await TestSocket.open(server.wsUrl);
    expect((await socket.call('probe', 'whoami', {}, 0)).message.data).toBe('websocket');
    await socket.close();
    sock.close();
    await server.close();
  });

  it('runs frontend and backend on listeners of their own', async () => {
    const server = await startSnorkyApp([PubSubService, PubSubBackend], {
      frontend: { port: 0, host: '127.0.0.1' },
      backend: { port: 0, host: '127.0.0.1', apiKeys: [TEST_API_KEY] },
    }, { adapter });
    const listeners = server.app.get(EndpointListeners);
    const frontendPort = listeners.port('frontend')!;
    const backendPort = listeners.port('backend')!;
    expect(new Set([frontendPort, backendPort, server.port]).size).toBe(3);
    const socket = await TestSocket.open(`ws://127.0.0.1:${frontendPort}/ws`);
    await socket.call('pubsub', 'subscribe', { channel: 'x' }, 0);
    const envelope = { service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'x', message: 1 } } };
    expect((await postBackend(`http://127.0.0.1:${backendPort}/backend`, envelope)).status).toBe(200);
    expect((await socket.next()).message).toEqual({ type: 'message', channel: 'x', message: 1 });
    expect((await postBackend(server.backendUrl, envelope)).status).toBe(404); // not on the app's listener
    expect((await postBackend(`http://127.0.0.1:${backendPort}/other`, envelope)).status).toBe(404);
    await expect(TestSocket.open(server.wsUrl)).rejects.toThrow(); // nor the WebSocket
    await socket.close();
    await server.close();
  });

  it('configures with forRootAsync (options from a factory)', async () => {
    @Module({ providers: [{ provide: 'KEYS', useValue: ['async-key'] }], exports: ['KEYS'] })
    class KeysModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        SnorkyModule.forRootAsync({
          imports: [KeysModule],
          inject: ['KEYS'],
          backendPath: '/snorky-backend',
          useFactory: async (keys: string[]): Promise<SnorkyModuleOptions> => ({ frontend: { path: '/live' }, backend: { apiKeys: keys } }),
        }),
      ],
      providers: [CalculatorService, PubSubService, PubSubBackend],
    }).compile();
    const app = adapter === 'fastify' ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false }) : moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as AddressInfo).port;
    const socket = await TestSocket.open(`ws://127.0.0.1:${port}/live`);
    expect((await socket.call('calculator', 'sum', { number1: 20, number2: 22 }, 0)).message.data).toBe(42);
    const envelope = { service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'x', message: 1 } } };
    expect((await postBackend(`http://127.0.0.1:${port}/snorky-backend`, envelope, 'async-key')).status).toBe(200);
    expect((await postBackend(`http://127.0.0.1:${port}/snorky-backend`, envelope, TEST_API_KEY)).status).toBe(401);
    await socket.close();
    await app.close();
  });
});

describe('a client that stops reading', () => {
  it('is disconnected once too much waits for it, and every other client keeps getting everything', async () => {
    const server = await startSnorkyApp([PubSubService, PubSubBackend], { frontend: { maxBufferedBytes: 256 * 1024 } });
    const stalled = await TestSocket.open(server.wsUrl);
    const healthy = await TestSocket.open(server.wsUrl);
    await stalled.call('pubsub', 'subscribe', { channel: 'firehose' }, 0);
    await healthy.call('pubsub', 'subscribe', { channel: 'firehose' }, 0);
    const closed = new Promise<void>((resolve) => stalled.ws.once('close', () => resolve()));
    const tcp = (stalled.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause(); // stops reading, like a frozen tab
    const payload = 'x'.repeat(50 * 1024);
    for (let i = 0; i < 400; i++) {
      const res = await postBackend(server.backendUrl, { service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'firehose', message: { i, payload } } } });
      expect(res.status).toBe(200);
    }
    for (let i = 0; i < 400; i++) expect((await healthy.next()).message.message.i).toBe(i);
    // The server let go of it: its subscription is gone. Reading again, it finds its connection closed.
    expect(server.app.get(PubSubService).broker.localSubscriberCount('pubsub:pubsub:"firehose"')).toBe(1);
    tcp.resume();
    await closed;
    expect(stalled.frames.length).toBeLessThan(400);
    expect(healthy.isOpen).toBe(true);
    await healthy.close();
    await server.close();
  });
});
