/**
 * The plain Python connector (snorky.backend, which the Django glue is built
 * on) against the real backend endpoint of a real SnorkyModule app: an RPC
 * published from Python reaches a WebSocket subscriber, and the protocol's
 * error texts and HTTP failures map to SnorkyError / SnorkyTransportError.
 * Runs with both HTTP stacks of the connector (requests and urllib).
 */
import { execFile } from 'child_process';
import { existsSync } from 'fs';
import { join, resolve } from 'path';
import { promisify } from 'util';
import { PubSubBackend, PubSubService } from '@snorky/nest';
import { RunningSnorkyApp, startSnorkyApp, TEST_API_KEY } from '../support/snorky-app';
import { PYTHON } from './django-app';
import { SnorkySocket } from '../support/snorky-socket';

const SCRIPT = join(__dirname, 'django_app', 'plain_calls.py');
const CONNECTOR_DIR = resolve(__dirname, '../../libs/python');

type Call = [service: string, command: string, params: Record<string, unknown>];

describe.each([
  ['requests', true],
  ['urllib', false],
])('Python snorky.backend connector over %s (interop)', (_stack, useRequests) => {
  let app: RunningSnorkyApp;

  beforeAll(async () => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found: install the Debian package python3`);
    app = await startSnorkyApp([PubSubService, PubSubBackend]);
  });

  afterAll(async () => {
    await app?.close();
  });

  async function run(calls: Call[], options: { url?: string; key?: string } = {}): Promise<any[]> {
    const spec = { url: options.url ?? app.backendUrl, key: options.key ?? TEST_API_KEY, use_requests: useRequests, calls };
    const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, JSON.stringify(spec)], {
      env: { ...process.env, PYTHONPATH: CONNECTOR_DIR, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    return JSON.parse(stdout);
  }

  it('publishes to a WebSocket subscriber and returns the data (null)', async () => {
    const socket = await SnorkySocket.open(app.wsUrl);
    try {
      await expect(socket.call('pubsub', 'subscribe', { channel: { room: 1, floor: 'b' } })).resolves.toBeNull();
      const outcomes = await run([['pubsub_backend', 'publish', { channel: { floor: 'b', room: 1 }, message: 'h\u00e9llo \u2603' }]]);
      expect(outcomes).toEqual([{ data: null }]);
      // The notification is kept by the socket helper (it is not a reply).
      await waitFor(() => socket.notifications.length === 1);
      expect(socket.notifications[0]).toEqual({
        service: 'pubsub',
        message: { type: 'message', channel: { room: 1, floor: 'b' }, message: 'h\u00e9llo \u2603' },
      });
    } finally {
      socket.close();
    }
  });

  it('raises SnorkyError carrying the protocol error texts', async () => {
    const outcomes = await run([
      ['pubsub_backend', 'noSuchCommand', {}],
      ['pubsub_backend', 'publish', { channel: 'x' }],
      ['pubsub_backend', 'publish', { channel: 'x', message: 1, extra: true }],
    ]);
    expect(outcomes).toEqual([
      { error: 'SnorkyError', message: 'Unknown command', isRuntimeError: false },
      { error: 'SnorkyError', message: 'Invalid params', isRuntimeError: false },
      { error: 'SnorkyError', message: 'Invalid params', isRuntimeError: false },
    ]);
  });

  it('raises SnorkyTransportError (a RuntimeError) on a wrong key or a wrong path', async () => {
    const [badKey] = await run([['pubsub_backend', 'publish', { channel: 'x', message: 1 }]], { key: 'wrong' });
    expect(badKey).toEqual({ error: 'SnorkyTransportError', status: 401, isRuntimeError: true });
    const [badPath] = await run([['pubsub_backend', 'publish', { channel: 'x', message: 1 }]], {
      url: app.backendUrl.replace(/\/backend$/, '/nowhere'),
    });
    expect(badPath).toMatchObject({ error: 'SnorkyTransportError', isRuntimeError: true });
    expect(badPath.status).toBeGreaterThanOrEqual(400);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
