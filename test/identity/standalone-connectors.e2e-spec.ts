import { execFile } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { promisify } from 'util';
import { SnorkyBackend } from '@snorky/backend';
import { ROOT, runStandaloneServerExpectingFailure, startStandaloneServer, type StandaloneServer } from '../support/standalone-server';
import { TestSocket } from '../support/ws-client';

const PYTHON = '/usr/bin/python3';
const RUBY = '/usr/bin/ruby';
const run = promisify(execFile);

/** The Python connector in a real Python process: prints the token authorize_identity returned. */
async function pythonToken(server: StandaloneServer, identity: unknown, ttl?: number): Promise<string> {
  const script = [
    'import json, sys',
    'from snorky.backend import SnorkyBackend, SnorkyHTTPTransport',
    'url, key, identity, ttl = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])',
    'print(json.dumps(SnorkyBackend(SnorkyHTTPTransport(url, key=key)).authorize_identity(identity, ttl=ttl)))',
  ].join('\n');
  const args = ['-c', script, server.backendUrl, server.apiKey, JSON.stringify(identity), JSON.stringify(ttl ?? null)];
  const { stdout } = await run(PYTHON, args, { env: { ...process.env, PYTHONPATH: join(ROOT, 'libs/python'), PYTHONDONTWRITEBYTECODE: '1' }, timeout: 20_000 });
  return JSON.parse(stdout);
}

/** The Ruby connector in a real Ruby process. */
async function rubyToken(server: StandaloneServer, identity: unknown, ttl?: number): Promise<string> {
  const script = [
    'require "json"; require "snorky"',
    'url, key, identity, ttl = ARGV[0], ARGV[1], JSON.parse(ARGV[2]), JSON.parse(ARGV[3])',
    'puts JSON.generate(Snorky::Backend.new(url: url, key: key).authorize_identity(identity, ttl: ttl))',
  ].join('\n');
  const args = ['-I', join(ROOT, 'libs/ruby/lib'), '-e', script, server.backendUrl, server.apiKey, JSON.stringify(identity), JSON.stringify(ttl ?? null)];
  const { stdout } = await run(RUBY, args, { timeout: 20_000 });
  return JSON.parse(stdout);
}

function nodeToken(server: StandaloneServer, identity: unknown, ttl?: number): Promise<string> {
  return new SnorkyBackend({ url: server.backendUrl, key: server.apiKey }).authorizeIdentity(identity, ttl);
}

/** PROTOCOL §7 through the standalone server: each connector authorizes, a WebSocket authenticates. */
describe('identity tokens through the standalone server, from each connector', () => {
  let server: StandaloneServer;

  beforeAll(async () => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found: install the Debian package python3`);
    if (!existsSync(RUBY)) throw new Error(`${RUBY} not found: install the Debian package ruby`);
    server = await startStandaloneServer({ services: [{ type: 'identity', name: 'identity', backend: 'identity_backend', ttl: 3600 }] });
  });
  afterAll(() => server?.stop());

  const authenticate = async (token: string) => {
    const socket = await TestSocket.open(server.frontendUrl);
    try {
      return (await socket.call('identity', 'authenticate', { token }, 1)).message;
    } finally {
      await socket.close();
    }
  };

  it.each([
    ['Python', pythonToken],
    ['Ruby', rubyToken],
    ['Node', nodeToken],
  ])('%s: authorize_identity gives a token the frontend accepts, again after a reconnect', async (name, tokenFrom) => {
    const identity = { id: 7, name: 'ann', via: name, roles: ['staff'] };
    const token = await tokenFrom(server, identity);
    expect(token).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(await authenticate(token)).toEqual({ type: 'response', callId: 1, data: identity });
    expect(await authenticate(token)).toEqual({ type: 'response', callId: 1, data: identity });
  });

  it('passes the ttl on: a token for 1 s is refused after it', async () => {
    const tokens = await Promise.all([pythonToken(server, 'py', 1), rubyToken(server, 'rb', 1), nodeToken(server, 'js', 1)]);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    for (const token of tokens) expect(await authenticate(token)).toEqual({ type: 'error', callId: 1, message: 'Invalid token' });
  });

  it('refuses an identity entry with a bad ttl, naming it', async () => {
    const config = { backend: { apiKey: 'k' }, services: [{ type: 'identity', name: 'identity', backend: 'identity_backend', ttl: -1 }] };
    const { code, output } = await runStandaloneServerExpectingFailure(JSON.stringify(config));
    expect(code).not.toBe(0);
    expect(output).toContain('services[0].ttl');
  });
});
