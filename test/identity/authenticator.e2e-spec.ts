import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'net';
import WebSocket from 'ws';
import { SnorkyModule, SOCKJS_UNAUTHORIZED_CLOSE } from '@snorky/nest';
import { startSnorkyApp, type RunningSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';
import { GlobalDirectoryModule, TestAuthenticator, UserDirectory, WhoAmIService } from './support/identity-fixtures';
import { SockJsXhrSession } from './support/sockjs-xhr-session';

const ANN = { id: 1, name: 'ann' };
const BOB = { id: 2, name: 'bob' };
const CID = { id: 3, name: 'cid' };

/** PROTOCOL §7: the app's authenticator sets client.identity from the handshake, on WebSocket and SockJS. */
describe('frontend authenticator', () => {
  let server: RunningSnorkyApp;
  let sockjsUrl: string;

  beforeAll(async () => {
    server = await startSnorkyApp([WhoAmIService, UserDirectory, TestAuthenticator], {
      frontend: { authenticator: TestAuthenticator, sockjsPrefix: '/sockjs' },
    });
    sockjsUrl = `http://127.0.0.1:${server.port}/sockjs`;
  });
  afterAll(() => server.close());

  const whoamiOver = async (url: string, options?: WebSocket.ClientOptions) => {
    const socket = await TestSocket.open(url, options);
    const reply = await socket.call('whoami', 'whoami', {}, 1);
    await socket.close();
    return reply.message.data;
  };

  describe('on WebSocket', () => {
    it('takes the identity from a cookie, a header or a query token', async () => {
      expect(await whoamiOver(server.wsUrl, { headers: { Cookie: 'theme=dark; session=ann-session' } })).toEqual(ANN);
      expect(await whoamiOver(server.wsUrl, { headers: { 'X-Api-Key': 'bob-key' } })).toEqual(BOB);
      expect(await whoamiOver(`${server.wsUrl}?token=cid-token`)).toEqual(CID);
    });

    it('leaves a connection without credentials anonymous', async () => {
      expect(await whoamiOver(server.wsUrl)).toBeNull();
    });

    it('hands the authenticator the whole handshake', async () => {
      const authenticator = server.app.get(TestAuthenticator);
      const before = authenticator.seen.length;
      await whoamiOver(`${server.wsUrl}?token=cid-token&x=1`, { headers: { Cookie: 'a=1', Origin: 'https://app.example', 'X-Extra': 'yes' } });
      const handshake = authenticator.seen[before];
      expect(handshake.cookies).toEqual({ a: '1' });
      expect(handshake.query).toEqual({ token: 'cid-token', x: '1' });
      expect(handshake.origin).toBe('https://app.example');
      expect(handshake.headers['x-extra']).toBe('yes');
      expect(handshake.remoteAddress).toBe('127.0.0.1');
    });

    it('answers the upgrade 401 when the authenticator throws, whatever it throws', async () => {
      await expect(TestSocket.open(server.wsUrl, { headers: { Cookie: 'session=stolen' } })).rejects.toThrow('HTTP 401');
      await expect(TestSocket.open(`${server.wsUrl}?crash=1`)).rejects.toThrow('HTTP 401');
    });

    it('opens only once an async authenticator is done: the first frame already has the identity', async () => {
      const started = Date.now();
      const socket = await TestSocket.open(`${server.wsUrl}?token=cid-token&delay=300`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      for (let n = 0; n < 5; n++) socket.send({ service: 'whoami', message: { command: 'echo', params: { n }, callId: n } });
      for (let n = 0; n < 5; n++) expect((await socket.next()).message).toEqual({ type: 'response', callId: n, data: { n, identity: CID } });
      await socket.close();
    });
  });

  describe('on SockJS', () => {
    const whoamiOverSockJs = async (options: { headers?: Record<string, string>; query?: string }) => {
      const session = await SockJsXhrSession.open(sockjsUrl, options);
      await session.send({ service: 'whoami', message: { command: 'whoami', params: {}, callId: 1 } });
      return (await session.next()).message.data;
    };

    it('takes the identity from a cookie, a header or a query token', async () => {
      expect(await whoamiOverSockJs({ headers: { Cookie: 'session=ann-session' } })).toEqual(ANN);
      expect(await whoamiOverSockJs({ headers: { 'X-Api-Key': 'bob-key' } })).toEqual(BOB);
      expect(await whoamiOverSockJs({ query: 'token=cid-token' })).toEqual(CID);
      expect(await whoamiOverSockJs({})).toBeNull();
    });

    it('takes it on the SockJS WebSocket transport too', async () => {
      const url = `ws://127.0.0.1:${server.port}/sockjs/000/wsession/websocket`;
      const ws = new WebSocket(url, { headers: { Cookie: 'session=ann-session' } });
      const frames: string[] = [];
      ws.on('message', (data) => frames.push(data.toString()));
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      ws.send(JSON.stringify([JSON.stringify({ service: 'whoami', message: { command: 'whoami', params: {}, callId: 1 } })]));
      for (let i = 0; i < 100 && !frames.some((f) => f.startsWith('a')); i++) await new Promise((r) => setTimeout(r, 20));
      const reply = JSON.parse(JSON.parse(frames.find((f) => f.startsWith('a'))!.slice(1))[0]);
      expect(reply.message.data).toEqual(ANN);
      ws.close();
    });

    it(`closes a refused session with ${SOCKJS_UNAUTHORIZED_CLOSE.code} and never runs its frames`, async () => {
      const session = await SockJsXhrSession.open(sockjsUrl, { headers: { Cookie: 'session=stolen' }, query: 'delay=100' });
      await session.send({ service: 'whoami', message: { command: 'whoami', params: {}, callId: 1 } });
      expect(await session.closeFrame()).toEqual({ code: 4401, reason: 'Unauthorized' });
      expect(session.unread).toBe(0);
    });

    it('holds frames sent while an async authenticator runs and runs them in order, authenticated', async () => {
      const session = await SockJsXhrSession.open(sockjsUrl, { query: 'token=cid-token&delay=300' });
      await session.send(...[0, 1, 2].map((n) => ({ service: 'whoami', message: { command: 'echo', params: { n }, callId: n } })));
      await session.send(...[3, 4].map((n) => ({ service: 'whoami', message: { command: 'echo', params: { n }, callId: n } })));
      for (let n = 0; n < 5; n++) expect((await session.next()).message).toEqual({ type: 'response', callId: n, data: { n, identity: CID } });
    });
  });
});

describe('SockJS frames held during authentication', () => {
  it('closes a session that sends more than 16 × maxFrameSize before it is authenticated (4413)', async () => {
    const server = await startSnorkyApp([WhoAmIService, UserDirectory, TestAuthenticator], {
      maxFrameSize: 1024,
      frontend: { authenticator: TestAuthenticator, sockjsPrefix: '/sockjs' },
    });
    try {
      // A slow authenticator, so every frame arrives while it runs.
      const session = await SockJsXhrSession.open(`http://127.0.0.1:${server.port}/sockjs`, { query: 'token=cid-token&delay=5000' });
      const frame = { service: 'whoami', message: { command: 'echo', params: { pad: 'x'.repeat(900) }, callId: 0 } };
      // One frame per request (a request body over 2 × maxFrameSize is refused 413 before SockJS):
      // about 19 KiB in all, over the 16 KiB that may be held.
      await Promise.all(Array.from({ length: 20 }, () => session.send(frame)));
      expect(await session.closeFrame(4000)).toEqual({ code: 4413, reason: 'Too much data before authentication' });
      expect(session.unread).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('frontend authenticator resolution', () => {
  it('creates an authenticator the app did not list, injecting global providers', async () => {
    const server = await startSnorkyApp([WhoAmIService], { frontend: { authenticator: TestAuthenticator } }, { imports: [GlobalDirectoryModule] });
    try {
      const socket = await TestSocket.open(server.wsUrl, { headers: { Cookie: 'session=ann-session' } });
      expect((await socket.call('whoami', 'whoami', {}, 1)).message.data).toEqual(ANN);
      await socket.close();
      await expect(TestSocket.open(`${server.wsUrl}?token=nope`)).rejects.toThrow('HTTP 401');
    } finally {
      await server.close();
    }
  });

  it('takes the authenticator from forRootAsync options too', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SnorkyModule.forRootAsync({ useFactory: async () => ({ frontend: { path: '/ws', authenticator: TestAuthenticator }, backend: false }) })],
      providers: [WhoAmIService, UserDirectory, TestAuthenticator],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const url = `ws://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/ws`;
      const socket = await TestSocket.open(`${url}?token=cid-token`);
      expect((await socket.call('whoami', 'whoami', {}, 1)).message.data).toEqual(CID);
      await socket.close();
      await expect(TestSocket.open(`${url}?token=nope`)).rejects.toThrow('HTTP 401');
    } finally {
      await app.close();
    }
  });

  it('leaves every connection anonymous and unchecked without an authenticator', async () => {
    const server = await startSnorkyApp([WhoAmIService]);
    try {
      const socket = await TestSocket.open(`${server.wsUrl}?token=nope`, { headers: { Cookie: 'session=stolen' } });
      expect((await socket.call('whoami', 'whoami', {}, 1)).message.data).toBeNull();
      await socket.close();
    } finally {
      await server.close();
    }
  });
});
