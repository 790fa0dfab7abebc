import { readFileSync } from 'fs';
import { join } from 'path';
import { postBackend } from '../support/snorky-app';
import { ROOT, runStandaloneServerExpectingFailure, startStandaloneServer, StandaloneServer } from '../support/standalone-server';
import { TestSocket } from '../support/ws-client';

/** The example config, exactly as written (the file under apps/server), on free ports. */
const exampleConfig = JSON.parse(readFileSync(join(ROOT, 'apps/server/snorky.example.json'), 'utf8'));

describe('standalone server', () => {
  let server: StandaloneServer;

  beforeAll(async () => {
    server = await startStandaloneServer({ ...exampleConfig, frontend: { ...exampleConfig.frontend, host: '127.0.0.1', port: 0 }, backend: { ...exampleConfig.backend, port: 0 } });
  });
  afterAll(() => server?.stop());

  it('logs one line per listener', () => {
    expect(server.output().match(/frontend listening on /g)).toHaveLength(1);
    expect(server.output().match(/backend listening on /g)).toHaveLength(1);
    expect(server.frontendUrl).toMatch(/\/ws$/);
    expect(server.backendUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/backend$/);
  });

  it('serves pub/sub to browsers and to the backend (key "swordfish")', async () => {
    const browser = await TestSocket.open(server.frontendUrl);
    const other = await TestSocket.open(server.frontendUrl);
    await browser.call('pubsub', 'subscribe', { channel: 'news' }, 0);
    await other.call('pubsub', 'publish', { channel: 'news', message: 'from a browser' }, 0);
    expect(await browser.next()).toEqual({ service: 'pubsub', message: { type: 'message', channel: 'news', message: 'from a browser' } });
    const res = await postBackend(server.backendUrl, { service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'news', message: 'from the backend' } } }, 'swordfish');
    expect(res.body).toEqual({ service: 'pubsub_backend', message: { type: 'response', data: null } });
    expect((await browser.next()).message.message).toBe('from the backend');
    await browser.close();
    await other.close();
  });

  it('keeps announcements private: browsers subscribe, only the backend publishes', async () => {
    const browser = await TestSocket.open(server.frontendUrl);
    await browser.call('announcements', 'subscribe', { channel: 'all' }, 0);
    expect((await browser.call('announcements', 'publish', { channel: 'all', message: 'x' }, 1)).message).toEqual({ type: 'error', callId: 1, message: 'Not authorized' });
    await postBackend(server.backendUrl, { service: 'announcements_backend', message: { command: 'publish', params: { channel: 'all', message: 'release' } } }, 'swordfish');
    expect(await browser.next()).toEqual({ service: 'announcements', message: { type: 'message', channel: 'all', message: 'release' } });
    await browser.close();
  });

  it('serves the backend only on its own listener, and the frontend only on its own', async () => {
    const frontendHttp = server.frontendUrl.replace('ws://', 'http://').replace(/\/ws$/, '/backend');
    const envelope = { service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'a', message: 1 } } };
    expect((await postBackend(frontendHttp, envelope, 'swordfish')).status).toBe(404);
    expect((await postBackend(server.backendUrl, envelope, 'wrong')).status).toBe(401);
    await expect(TestSocket.open(server.backendUrl.replace('http://', 'ws://').replace(/\/backend$/, '/ws'))).rejects.toThrow();
  });

  it('shuts down gracefully on SIGTERM', async () => {
    const other = await startStandaloneServer(exampleConfig.services ? { services: exampleConfig.services } : {});
    const socket = await TestSocket.open(other.frontendUrl);
    const closed = new Promise((resolve) => socket.ws.once('close', resolve));
    expect(await other.stop('SIGTERM')).toBe(0);
    await closed;
  });

  it('refuses a backend body over maxFrameSize (read from the stream, no body parser) and keeps serving', async () => {
    const other = await startStandaloneServer({ services: exampleConfig.services, maxFrameSize: 1024 });
    const publish = (message: string) => ({ service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'a', message } } });
    expect((await postBackend(other.backendUrl, publish('x'.repeat(2048)), 'test-key')).status).toBe(413);
    expect((await postBackend(other.backendUrl, '{"service": ', 'test-key')).status).toBe(400);
    expect((await postBackend(other.backendUrl, publish('small'), 'test-key')).status).toBe(200);
    await other.stop();
  });

  it('takes SNORKY_API_KEY over the config key', async () => {
    const other = await startStandaloneServer({ services: exampleConfig.services }, { SNORKY_API_KEY: 'from-env' });
    const envelope = { service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'a', message: 1 } } };
    expect((await postBackend(other.backendUrl, envelope, 'from-env')).status).toBe(200);
    expect((await postBackend(other.backendUrl, envelope, 'test-key')).status).toBe(401);
    await other.stop();
  });
});

describe('standalone server config errors', () => {
  it.each([
    ['no API key anywhere', { services: [] }, /backend\.apiKey: no API key.*SNORKY_API_KEY/s],
    ['an unknown top-level key', { backend: { apiKey: 'k' }, services: [], frontned: {} }, /Invalid config: frontned: unknown key/],
    ['a bad port', { frontend: { port: 'eighty' }, backend: { apiKey: 'k' }, services: [] }, /Invalid config: frontend\.port:/],
    ['an unknown service type', { backend: { apiKey: 'k' }, services: [{ type: 'whiteboard', name: 'c' }] }, /services\[0\]\.type must be one of pubsub, datasync, messaging, chat, cursors, identity/],
    ['a bad service key', { backend: { apiKey: 'k' }, services: [{ type: 'pubsub', name: 'p', frontendPublish: 'no' }] }, /services\[0\]\.frontendPublish:/],
    ['an unknown service key', { backend: { apiKey: 'k' }, services: [{ type: 'pubsub', name: 'p', colour: 1 }] }, /services\[0\]\.colour: unknown key/],
    ['a duplicate service name', { backend: { apiKey: 'k' }, services: [{ type: 'pubsub', name: 'p' }, { type: 'pubsub', name: 'p' }] }, /"p" is used twice/],
    ['a bad cursors limit', { backend: { apiKey: 'k' }, services: [{ type: 'cursors', name: 'c', maxCursorsPerConnection: 0 }] }, /services\[0\]\.maxCursorsPerConnection:/],
    ['a chat entry with a key of another type', { backend: { apiKey: 'k' }, services: [{ type: 'chat', name: 'c', backend: 'x' }] }, /services\[0\]\.backend: unknown key/],
    ['a bad node timeout', { backend: { apiKey: 'k' }, cluster: { redis: 'redis://127.0.0.1:1', nodeTimeout: 0 }, services: [] }, /cluster\.nodeTimeout:/],
  ])('refuses %s, naming the bad key', async (_what, config, message) => {
    const { code, output } = await runStandaloneServerExpectingFailure(JSON.stringify(config));
    expect(code).not.toBe(0);
    expect(output).toMatch(message);
  });

  it('refuses a file that is not JSON', async () => {
    const { code, output } = await runStandaloneServerExpectingFailure('{ "services": [');
    expect(code).not.toBe(0);
    expect(output).toMatch(/Cannot read config/);
  });
});
