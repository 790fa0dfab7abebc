import { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'net';
import { SnorkyModule } from '@snorky/nest';
import { TestSocket } from '../support/ws-client';
import { PubSubBackend, PubSubService } from '@snorky/nest';
import { ProtocolProbeService } from '../core/examples/protocol-probe.service';
import { postBackend, startSnorkyApp } from '../support/snorky-app';
import { backend, useHostileTarget } from './support/hostile-target';
import { eventually } from '../cluster/support/cluster';

/** `{"service": .., "message": ..}` whose message nests `levels` arrays: the frame nests levels + 1. */
const nestedFrame = (levels: number, callId: number) =>
  `{"service":"pubsub","message":{"command":"publish","params":{"channel":"deep","message":${'['.repeat(levels)}${']'.repeat(levels)}},"callId":${callId}}}`;

/** An object of `n` short keys, as the adversarial run's 1 MiB frame (~96 000 keys). */
function manyKeys(n: number): Record<string, number> {
  const obj: Record<string, number> = {};
  for (let i = 0; i < n; i++) obj['k' + i.toString(36)] = 0;
  return obj;
}

async function medianMs(times: number, action: () => Promise<void>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint();
    await action();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples.sort((a, b) => a - b)[Math.floor(times / 2)];
}

/** PROTOCOL §1 "Cost is bounded by size": nesting limit, no stack overflow, linear cost, bounded logs. */
describe('bounded cost of one frame (standalone server)', () => {
  const target = useHostileTarget('single');

  it('accepts a frame nesting 64 levels and drops one nesting 65 as malformed, keeping the connection', async () => {
    const socket = await target.open(target.subscriberNode);
    // envelope (1) + message (2) + params (3) + the value's own levels
    socket.send(nestedFrame(61, 1));
    expect((await socket.next()).message).toEqual({ type: 'response', callId: 1, data: null });
    socket.send(nestedFrame(62, 2));
    await socket.expectSilence(200);
    expect(target.subscriberNode.output()).toContain('JSON nested deeper than 64 levels');
    expect((await socket.call('pubsub', 'publish', { channel: 'after', message: 1 }, 3)).message.type).toBe('response');
  });

  it('drops a value nested 100 000 levels deep (frontend) without a stack overflow', async () => {
    const socket = await target.open(target.subscriberNode);
    const before = target.subscriberNode.output().length;
    socket.send(nestedFrame(100_000, 1));
    expect((await socket.call('pubsub', 'publish', { channel: 'after', message: 1 }, 2)).message).toEqual({ type: 'response', callId: 2, data: null });
    // The node's log comes through its stdout pipe, which may arrive after the reply on the socket.
    const log = await eventually(async () => {
      const since = target.subscriberNode.output().slice(before);
      expect(since).toContain('JSON nested deeper than 64 levels');
      return since;
    }, 5000, 20);
    expect(log).not.toMatch(/RangeError|Maximum call stack/);
  });

  it('answers 400 to a backend body nested 100 000 levels deep, at once', async () => {
    const body = nestedFrame(100_000, 1);
    const res = await fetch(target.publisherNode.backendUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Backend-Key': target.publisherNode.apiKey },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('JSON nested deeper than 64 levels');
    expect((await backend(target.publisherNode, 'pubsub_backend', 'publish', { channel: 'after', message: 1 })).status).toBe(200);
  });

  it('costs about linearly in the key count: 48 000 vs 6 000 keys, as a message and as a channel', async () => {
    const socket = await target.open(target.publisherNode);
    let callId = 0;
    const roundTrip = (params: object) => async () => {
      const id = ++callId;
      const reply = await socket.call('pubsub', 'publish', params, id);
      // a 48 000-key channel is over limits.maxChannelSize: refused, after being parsed and canonicalized
      expect([{ type: 'response', callId: id, data: null }, { type: 'error', callId: id, message: 'Invalid params' }]).toContainEqual(reply.message);
    };
    for (const as of ['message', 'channel'] as const) {
      const small = manyKeys(6_000);
      const large = manyKeys(48_000);
      const params = (obj: object) => (as === 'message' ? { channel: 'big', message: obj } : { channel: obj, message: 1 });
      expect(JSON.stringify({ service: 'pubsub', message: { command: 'publish', params: params(large), callId: 1 } }).length).toBeLessThan(1024 * 1024);
      await roundTrip(params(small))(); // warm-up
      const smallMs = await medianMs(3, roundTrip(params(small)));
      const largeMs = await medianMs(3, roundTrip(params(large)));
      // 8x the keys: linear work costs ~8x, quadratic work (the old duplicate-key filter) ~64x.
      // The ratio, not a time, so a slow or busy machine does not fail it. Figures (1 MiB, 96 000 keys): npm run bench:hostile.
      const ratio = largeMs / Math.max(smallMs, 1);
      if (ratio >= 24) throw new Error(`48 000 keys as a ${as} cost ${largeMs.toFixed(0)} ms, ${ratio.toFixed(1)}x 6 000 keys (${smallMs.toFixed(0)} ms)`);
    }
  });
});

/** In a Nest app whose own JSON body parser already parsed the body, depth is checked on the parsed value. */
describe('bounded depth of a backend body the host app parsed', () => {
  it('answers 400 to a body nesting 65 levels, 200 to one nesting 64', async () => {
    const server = await startSnorkyApp([PubSubService, PubSubBackend]);
    try {
      const deep = await postBackend(server.backendUrl, nestedFrame(62, 1).replace('"pubsub"', '"pubsub_backend"'));
      expect(deep.status).toBe(400);
      expect(deep.text).toContain('JSON nested deeper than 64 levels');
      const ok = await postBackend(server.backendUrl, nestedFrame(61, 1).replace('"pubsub"', '"pubsub_backend"'));
      expect(ok.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

/** Log lines a client can cause by failing commands are rate-limited like dropped frames. */
describe('failing commands are logged rate-limited', () => {
  const lines: string[] = [];
  const capture: LoggerService = {
    log: () => undefined,
    warn: (m: unknown) => void lines.push(String(m)),
    error: (m: unknown) => void lines.push(String(m)),
  };
  let close: () => Promise<void>;
  let url: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SnorkyModule.forRoot({ frontend: { path: '/ws' }, backend: false })],
      providers: [ProtocolProbeService],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: capture });
    await app.listen(0, '127.0.0.1');
    url = `ws://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/ws`;
    close = () => app.close();
  });
  afterAll(() => close());

  it('logs at most 20 of 500 crashing calls, and answers every one', async () => {
    const socket = await TestSocket.open(url);
    for (let i = 0; i < 500; i++) socket.send({ service: 'probe', message: { command: 'crash', params: {}, callId: i } });
    for (let i = 0; i < 500; i++) expect((await socket.next()).message).toEqual({ type: 'error', callId: i, message: 'Internal error' });
    const crashLines = lines.filter((l) => l.includes('crash failed'));
    expect(crashLines.length).toBeGreaterThan(0);
    expect(crashLines.length).toBeLessThanOrEqual(20);
    await socket.close();
  });
});
