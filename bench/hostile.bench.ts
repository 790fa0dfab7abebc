/**
 * bench:hostile — the worst frame of the adversarial run (issue 11): a 1 MiB object of ~96 000 keys,
 * as a `publish` message and as a channel. Snorky's standalone server against a bare `ws` server that
 * only JSON.parses each frame and answers (the floor any JSON server pays), each in its own process,
 * measured alternately (A B, B A) in the same run:
 *   worst frame: round trip of one such frame on an idle server (≈ the event loop it costs; median);
 *   canary: a client calling a tiny command every 20 ms, p50/p99 latency, on the idle server and
 *   while one client sends such frames continuously (one in flight at a time, back to back).
 * Targets (issue 11): worst frame ≤ 50 ms, canary p99 under the flood ≤ 50 ms.
 * Snorky runs with its per-connection read budget (limits.maxBytesPerSecond) at its default, the
 * defence being measured (HOSTILE_BUDGET=<bytes/s> to try another, 0 = off). Each worst frame is sent
 * on a fresh connection (a full budget: its frame is read at once); the flood then continues on the
 * last of those connections, i.e. a client flooding continuously, past its first (burst) frame — the
 * cost of that first frame is the worst-frame column. The flooder is cut when the canary is done (a
 * throttled flooder's frame in flight may take seconds to be read).
 */
import { join } from 'path';
import { startBaselineProcess } from './baseline-process';
import WebSocket from 'ws';
import { startStandaloneServer } from '../test/support/standalone-server';
import { median, percentile } from './fanout/fanout-measure';
import { DEFAULT_LIMITS } from '@snorky/nest';

const KEYS = Number(process.env.HOSTILE_KEYS ?? 96_000);
const ROUNDS = Number(process.env.HOSTILE_ROUNDS ?? 2);
const CANARY_SECONDS = Number(process.env.HOSTILE_SECONDS ?? 2);
const CANARY_EVERY_MS = 20;
const BUDGET = Number(process.env.HOSTILE_BUDGET ?? DEFAULT_LIMITS.maxBytesPerSecond);

/** The adversarial frame's object: KEYS short keys, serialized just under 1 MiB. */
function worstObject(): Record<string, number> {
  const obj: Record<string, number> = {};
  for (let i = 0; i < KEYS; i++) obj['k' + i.toString(36)] = 0;
  return obj;
}

const publishFrame = (params: object, callId: number) => JSON.stringify({ service: 'pubsub', message: { command: 'publish', params, callId } });

/** One WebSocket that sends RPC frames and resolves each by callId. */
class RpcSocket {
  private readonly pending = new Map<number, () => void>();
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const callId = JSON.parse(data.toString()).message?.callId;
      this.pending.get(callId)?.();
      this.pending.delete(callId);
    });
  }
  static open(url: string): Promise<RpcSocket> {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RpcSocket(ws)));
      ws.once('error', reject);
    });
  }
  /** Sends `frame` (whose callId is `callId`) and resolves with the round trip in ms. */
  call(frame: string, callId: number): Promise<number> {
    const start = process.hrtime.bigint();
    return new Promise((resolve) => {
      this.pending.set(callId, () => resolve(Number(process.hrtime.bigint() - start) / 1e6));
      this.ws.send(frame);
    });
  }
}

interface Target {
  name: string;
  url: string;
}

interface Figures {
  worstFrameMs: number[];
  idleCanary: number[];
  floodCanary: number[];
  floodFrames: number;
  floodSeconds: number;
}

let nextCallId = 1;

async function canaryRun(canary: RpcSocket, seconds: number, latencies: number[]): Promise<void> {
  const end = Date.now() + seconds * 1000;
  const calls: Promise<void>[] = [];
  while (Date.now() < end) {
    const id = nextCallId++;
    calls.push(canary.call(publishFrame({ channel: 'canary', message: id }, id), id).then((ms) => void latencies.push(ms)));
    await new Promise((r) => setTimeout(r, CANARY_EVERY_MS));
  }
  await Promise.all(calls);
}

/** One client sending `frameOf` back to back while the canary measures; returns frames sent. */
async function floodRun(flooder: RpcSocket, canary: RpcSocket, frameOf: (id: number) => string, latencies: number[]): Promise<number> {
  let running = true;
  let sent = 0;
  const flood = (async () => {
    while (running) {
      const id = nextCallId++;
      await flooder.call(frameOf(id), id);
      sent++;
    }
  })();
  await canaryRun(canary, CANARY_SECONDS, latencies);
  running = false;
  flooder.ws.terminate(); // its frame in flight may be held back by the budget for seconds
  void flood;
  return sent;
}

async function main(): Promise<void> {
  const obj = worstObject();
  // The frames are built once: only the callId differs, spliced in at the end.
  const templates = {
    message: publishFrame({ channel: 'flood', message: obj }, 0).slice(0, -3),
    'message, 1 subscriber': publishFrame({ channel: 'watched', message: obj }, 0).slice(0, -3),
    channel: publishFrame({ channel: obj, message: 1 }, 0).slice(0, -3),
  };
  const frameOf = (kind: keyof typeof templates) => (id: number) => `${templates[kind]}${id}}}`;
  for (const kind of Object.keys(templates)) {
    console.log(`bench:hostile — ${KEYS} keys as a publish ${kind}: frame of ${Buffer.byteLength(frameOf(kind as 'message')(1))} bytes`);
  }
  console.log('("message, 1 subscriber": a client subscribed to that channel, so Snorky also serializes the fan-out frame; the bare server answers as before)');
  const baseline = await startBaselineProcess(join(__dirname, 'hostile', 'ws-parse-server.js'));
  console.log(`Snorky: limits.maxBytesPerSecond ${BUDGET} (${BUDGET === DEFAULT_LIMITS.maxBytesPerSecond ? 'the default' : 'HOSTILE_BUDGET'}), burst = maxFrameSize; the bare server has no budget`);
  const server = await startStandaloneServer({
    services: [{ type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend' }],
    frontend: { pingInterval: 0 },
    limits: { maxBytesPerSecond: BUDGET },
  });
  const targets: Target[] = [
    { name: 'bare ws + JSON.parse (baseline)', url: baseline.url },
    { name: 'Snorky PubSub', url: server.frontendUrl },
  ];
  const results = new Map<string, Figures>();
  const canaries = new Map<string, RpcSocket>();
  const watcher = await RpcSocket.open(server.frontendUrl);
  await watcher.call(publishFrame({ channel: 'watched' }, 0).replace('"publish"', '"subscribe"'), 0);
  watcher.ws.removeAllListeners('message'); // receives every flood frame; no need to parse them
  for (const t of targets) {
    canaries.set(t.name, await RpcSocket.open(t.url));
    for (const kind of Object.keys(templates)) results.set(`${t.name}|${kind}`, { worstFrameMs: [], idleCanary: [], floodCanary: [], floodFrames: 0, floodSeconds: 0 });
  }
  for (let round = 0; round < ROUNDS * 2; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      const canary = canaries.get(t.name)!;
      for (const kind of Object.keys(templates) as (keyof typeof templates)[]) {
        const r = results.get(`${t.name}|${kind}`)!;
        let single: RpcSocket | undefined;
        for (let i = 0; i < 3; i++) {
          single?.ws.close();
          single = await RpcSocket.open(t.url);
          const id = nextCallId++;
          r.worstFrameMs.push(await single.call(frameOf(kind)(id), id));
        }
        await canaryRun(canary, CANARY_SECONDS / 3, r.idleCanary);
        r.floodFrames += await floodRun(single!, canary, frameOf(kind), r.floodCanary);
        r.floodSeconds += CANARY_SECONDS;
      }
    }
  }
  baseline.stop();
  await server.stop();

  const f = (ms: number) => ms.toFixed(1);
  console.log('\n| server | frame | worst frame round trip ms (median) | canary p50 / p99 ms, idle | canary p50 / p99 ms, under flood | flood frames/s |');
  console.log('|---|---|---|---|---|---|');
  for (const t of targets) {
    for (const kind of Object.keys(templates)) {
      const r = results.get(`${t.name}|${kind}`)!;
      console.log(
        `| ${t.name} | ${kind} | ${f(median(r.worstFrameMs))} | ${f(percentile(r.idleCanary, 0.5))} / ${f(percentile(r.idleCanary, 0.99))} | ` +
          `${f(percentile(r.floodCanary, 0.5))} / ${f(percentile(r.floodCanary, 0.99))} | ${(r.floodFrames / r.floodSeconds).toFixed(1)} |`,
      );
    }
  }
  console.log('');
  for (const kind of Object.keys(templates)) {
    const bare = results.get(`${targets[0].name}|${kind}`)!;
    const snorky = results.get(`${targets[1].name}|${kind}`)!;
    const worst = median(snorky.worstFrameMs);
    const p99 = percentile(snorky.floodCanary, 0.99);
    console.log(
      `${kind}: worst frame ${f(worst)} ms = ${(worst / median(bare.worstFrameMs)).toFixed(2)}× bare JSON.parse (target ≤ 50 ms: ${worst <= 50 ? 'met' : 'NOT met'}); ` +
        `canary p99 under flood ${f(p99)} ms = ${(p99 / percentile(bare.floodCanary, 0.99)).toFixed(2)}× bare (target ≤ 50 ms: ${p99 <= 50 ? 'met' : 'NOT met'})`,
    );
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
