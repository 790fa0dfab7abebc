import { IdentityBackend, IdentityService } from '@snorky/nest';
import { backendCall, startSnorkyApp, type RunningSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';
import { WhoAmIService } from './support/identity-fixtures';

const authorize = (server: RunningSnorkyApp, params: object) => backendCall(server.backendUrl, 'identity_backend', 'authorizeIdentity', params);

/** PROTOCOL §7, the token way in a Nest app: IdentityService + IdentityBackend as providers. */
describe('identity tokens (Nest app, one node)', () => {
  let server: RunningSnorkyApp;

  beforeAll(async () => {
    server = await startSnorkyApp([IdentityService, IdentityBackend, WhoAmIService]);
  });
  afterAll(() => server.close());

  it('authorizes an identity and authenticates a connection with the token', async () => {
    const reply = await authorize(server, { identity: { id: 7, name: 'ann' } });
    expect(reply.type).toBe('response');
    const token: string = reply.data;
    // At least 128 bits: 22 or more base64url characters.
    expect(token).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    const socket = await TestSocket.open(server.wsUrl);
    expect((await socket.call('whoami', 'whoami', {}, 0)).message.data).toBeNull();
    expect((await socket.call('identity', 'authenticate', { token }, 1)).message).toEqual({ type: 'response', callId: 1, data: { id: 7, name: 'ann' } });
    expect((await socket.call('whoami', 'whoami', {}, 2)).message.data).toEqual({ id: 7, name: 'ann' });
    await socket.close();
  });

  it('draws a different token every time', async () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 20; i++) tokens.add((await authorize(server, { identity: 1 })).data);
    expect(tokens.size).toBe(20);
  });

  it('keeps a token valid for another connection (a page reconnecting) until its ttl runs out', async () => {
    const issued = Date.now();
    const token = (await authorize(server, { identity: 'bob', ttl: 1 })).data;
    for (let i = 0; i < 2; i++) {
      const socket = await TestSocket.open(server.wsUrl);
      expect((await socket.call('identity', 'authenticate', { token }, 0)).message.data).toBe('bob');
      await socket.close();
    }
    await new Promise((resolve) => setTimeout(resolve, issued + 1200 - Date.now()));
    const socket = await TestSocket.open(server.wsUrl);
    expect((await socket.call('identity', 'authenticate', { token }, 0)).message).toEqual({ type: 'error', callId: 0, message: 'Invalid token' });
    await socket.close();
  });

  it('replaces the identity when a connection authenticates again, and keeps it on a refused token', async () => {
    const ann = (await authorize(server, { identity: 'ann' })).data;
    const cid = (await authorize(server, { identity: { id: 3, roles: ['admin'] } })).data;
    const socket = await TestSocket.open(server.wsUrl);
    await socket.call('identity', 'authenticate', { token: ann }, 0);
    await socket.call('identity', 'authenticate', { token: cid }, 1);
    expect((await socket.call('whoami', 'whoami', {}, 2)).message.data).toEqual({ id: 3, roles: ['admin'] });
    expect((await socket.call('identity', 'authenticate', { token: 'forged' }, 3)).message.message).toBe('Invalid token');
    expect((await socket.call('whoami', 'whoami', {}, 4)).message.data).toEqual({ id: 3, roles: ['admin'] });
    await socket.close();
  });

  it('answers the protocol error texts', async () => {
    const socket = await TestSocket.open(server.wsUrl);
    for (const token of [42, null, { t: 1 }, ['x']]) {
      expect((await socket.call('identity', 'authenticate', { token }, 0)).message).toEqual({ type: 'error', callId: 0, message: 'token must be string' });
    }
    expect((await socket.call('identity', 'authenticate', { token: '' }, 1)).message.message).toBe('Invalid token');
    expect((await socket.call('identity', 'authenticate', { token: '__proto__' }, 2)).message.message).toBe('Invalid token');
    expect((await socket.call('identity', 'authenticate', {}, 3)).message.message).toBe('Invalid params');
    await socket.close();
  });

  it('refuses bad authorizeIdentity params', async () => {
    for (const params of [{}, { identity: null }, { identity: 1, ttl: 0 }, { identity: 1, ttl: -5 }, { identity: 1, ttl: '60' }, { identity: 1, ttl: 1e12 }, { identity: 1, extra: true }]) {
      expect(await authorize(server, params)).toEqual({ type: 'error', message: 'Invalid params' });
    }
  });

  it('is not reachable from the frontend: authorizeIdentity is a backend command', async () => {
    const socket = await TestSocket.open(server.wsUrl);
    expect((await socket.call('identity', 'authorizeIdentity', { identity: 'me' }, 0)).message.message).toBe('Unknown command');
    await socket.close();
  });
});
