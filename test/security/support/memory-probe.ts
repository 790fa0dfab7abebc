/**
 * Measures the server's memory in a process of its own, started with --expose-gc (test/security/memory.e2e-spec.ts):
 *
 *   node --expose-gc -C @snorky/source -r ./scripts/register.js test/security/support/memory-probe.ts <mode>
 *
 *   churn     connect -> subscribe -> acquire -> close, thousands of times: V8 heap after a forced GC,
 *             per cycle, after warm-up (and RSS before/after)
 *   channels  one connection subscribes to channels of 20 KB: heap held per channel byte, and after close
 *   frames    connections sending frames announced at 15 MiB: memory (heap + buffers) held meanwhile
 *
 * Prints one JSON line with the figures; the spec asserts on them.
 */
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'net';
import WebSocket from 'ws';
import { BroadcastDealer, DataSyncBackend, DataSyncService, Dealer, PubSubBackend, PubSubService, SnorkyLimitsOptions, SnorkyModule } from '@snorky/nest';
import { RawWebSocket } from './raw-websocket';

@Dealer()
class AllItems extends BroadcastDealer {
  model = 'Item';
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('memory-probe needs node --expose-gc');

async function settle(): Promise<{ heap: number; buffers: number; rss: number }> {
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setImmediate(r));
    gc!();
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers + m.external, rss: m.rss };
}

async function startServer(limits: SnorkyLimitsOptions = {}, maxFrameSize?: number) {
  const moduleRef = await Test.createTestingModule({
    imports: [SnorkyModule.forRoot({ frontend: { path: '/ws', pingInterval: 0 }, backend: { apiKeys: ['k'] }, limits, ...(maxFrameSize ? { maxFrameSize } : {}) })],
    providers: [PubSubService, PubSubBackend, DataSyncService, DataSyncBackend, AllItems],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return { app, url: `ws://127.0.0.1:${port}/ws`, datasync: app.get(DataSyncService) };
}

function call(ws: WebSocket, service: string, command: string, params: object): Promise<any> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => {
      const reply = JSON.parse(String(data)).message;
      return reply.type === 'response' ? resolve(reply.data) : reject(new Error(`${command}: ${reply.message}`));
    });
    ws.send(JSON.stringify({ service, message: { command, params, callId: 1 } }));
  });
}

async function churn(): Promise<object> {
  const server = await startServer();
  const cycle = async (i: number) => {
    const ws = new WebSocket(server.url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await call(ws, 'pubsub', 'subscribe', { channel: { room: i % 50 } });
    const token = server.datasync.authorizeSubscription([{ dealer: 'AllItems', query: null }]);
    await call(ws, 'datasync', 'acquireSubscription', { token });
    await new Promise((resolve) => {
      ws.once('close', resolve);
      ws.close();
    });
  };
  const run = async (cycles: number) => {
    const parallel = 20;
    for (let i = 0; i < cycles; i += parallel) await Promise.all(Array.from({ length: parallel }, (_, j) => cycle(i + j)));
    // Let the server see the last closes.
    await new Promise((r) => setTimeout(r, 100));
  };
  const WARMUP = Number(process.env.CHURN_WARMUP ?? 500);
  const CYCLES = Number(process.env.CHURN_CYCLES ?? 1500);
  const started = await settle();
  await run(WARMUP);
  const warm = await settle();
  const t0 = Date.now();
  const phases: number[] = [];
  let last = warm;
  for (let p = 0; p < Number(process.env.CHURN_PHASES ?? 1); p++) {
    await run(CYCLES);
    const now = await settle();
    phases.push(Math.round((now.heap - last.heap) / CYCLES));
    last = now;
  }
  const ms = Date.now() - t0;
  const after = last;
  await server.app.close();
  return {
    cycles: CYCLES,
    warmup: WARMUP,
    heapPerCycle: (after.heap - warm.heap) / (CYCLES * phases.length),
    phases,
    buffersPerCycle: (after.buffers - warm.buffers) / (CYCLES * phases.length),
    rssStartMB: started.rss / 2 ** 20,
    rssWarmMB: warm.rss / 2 ** 20,
    rssAfterMB: after.rss / 2 ** 20,
    cyclesPerSecond: Math.round((CYCLES / ms) * 1000),
  };
}

async function channels(): Promise<object> {
  const SIZE = 20 * 1024;
  const COUNT = 200;
  const server = await startServer({ maxChannelSize: SIZE + 64, maxSubscriptions: COUNT });
  const ws = new WebSocket(server.url);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const before = await settle();
  for (let i = 0; i < COUNT; i++) {
    // Distinct channels of SIZE bytes of canonical JSON each.
    const name = `${String(i).padStart(6, '0')}${'c'.repeat(SIZE - 8)}`;
    await call(ws, 'pubsub', 'subscribe', { channel: name });
  }
  const held = await settle();
  await new Promise((resolve) => {
    ws.once('close', resolve);
    ws.close();
  });
  await new Promise((r) => setTimeout(r, 100));
  const closed = await settle();
  await server.app.close();
  return {
    channelBytes: SIZE,
    channels: COUNT,
    heldPerChannel: (held.heap - before.heap) / COUNT,
    ratio: (held.heap - before.heap) / COUNT / SIZE,
    leftAfterClosePerChannel: (closed.heap - before.heap) / COUNT,
  };
}

async function frames(): Promise<object> {
  const CONNECTIONS = 5;
  const ANNOUNCED = 15 * 1024 * 1024;
  const SENT = 8 * 1024 * 1024;
  const server = await startServer({ frameTimeout: 30 });
  const before = await settle();
  const raws = await Promise.all(Array.from({ length: CONNECTIONS }, () => RawWebSocket.open(server.url)));
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  await Promise.all(
    raws.map(async (raw) => {
      raw.header(ANNOUNCED);
      for (let sent = 0; sent < SENT && !raw.socket.destroyed; sent += chunk.length) {
        if (!raw.socket.write(chunk)) await new Promise((r) => raw.socket.once('drain', r).once('close', r));
      }
    }),
  );
  await new Promise((r) => setTimeout(r, 300));
  const during = await settle();
  const codes = await Promise.all(raws.map((raw) => raw.closeCode(0)));
  for (const raw of raws) raw.destroy();
  await server.app.close();
  return {
    connections: CONNECTIONS,
    sentPerConnectionMB: SENT / 2 ** 20,
    heldMB: (during.heap + during.buffers - before.heap - before.buffers) / 2 ** 20,
    closeCodes: codes,
  };
}

const modes: Record<string, () => Promise<object>> = { churn, channels, frames };
const mode = process.argv[2];
if (!modes[mode]) throw new Error(`mode must be one of ${Object.keys(modes).join(', ')}`);
modes[mode]().then(
  (result) => {
    console.log(JSON.stringify({ mode, ...result }));
    process.exit(0);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
