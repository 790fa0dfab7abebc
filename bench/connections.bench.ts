/**
 * bench:connections — capacity: N idle WebSocket connections, each subscribed to a channel, held by
 * a bare `ws` server, Snorky (PubSub, metrics on) and Socket.IO, in one run, each server in its own
 * process (fresh for every round), the clients in this one. Rounds alternate the order.
 *   memory per connection: the server's heap + external (ArrayBuffers included) after GC, with N
 *     connections minus before any, divided by N; RSS per connection beside it;
 *   connection rate: connections opened and subscribed (acknowledged) per second, 100 in flight;
 *     and the server's CPU time per connection (/proc/<pid>/stat), which a busy shared machine
 *     disturbs far less than the wall-clock rate.
 * N is 10 000 unless the open-file limit (read from /proc/self/limits) is lower: every connection is
 * one file descriptor here and one in the server.
 */
import { ChildProcess, fork } from 'child_process';
import { readFileSync } from 'fs';

/** A process's user + system CPU time in µs (clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}
import { join } from 'path';
import { io as ioClient, Socket } from 'socket.io-client';
import WebSocket from 'ws';

type Kind = 'ws' | 'snorky' | 'socketio';
const NAMES: Record<Kind, string> = { ws: 'bare ws (baseline)', snorky: 'Snorky PubSub', socketio: 'Socket.IO 4.8' };
const IN_FLIGHT = 100;
const CHANNELS = 1000;
const ROUNDS = Number(process.env.ROUNDS ?? 2);

function openFileLimit(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))!;
  const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/);
  return { soft: Number(soft), hard: Number(hard) };
}

interface Server {
  child: ChildProcess;
  port: number;
  measure(): Promise<NodeJS.MemoryUsage>;
}

async function startServer(kind: Kind): Promise<Server> {
  const child = fork(join(__dirname, 'connections', 'connections-server.ts'), [kind], {
    execArgv: [...(process.env.CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.CPU_PROF] : []), '--expose-gc', '-C', '@snorky/source', '-r', join(__dirname, '..', 'scripts', 'register.js')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  const measure = () =>
    new Promise<NodeJS.MemoryUsage>((resolve) => {
      child.once('message', (m: { memory: NodeJS.MemoryUsage }) => resolve(m.memory));
      child.send('measure');
    });
  return { child, port, measure };
}

/** Opens and subscribes one connection; resolves with a closer once the subscription is acknowledged. */
function connectOne(kind: Kind, port: number, i: number): Promise<() => void> {
  const channel = `channel-${i % CHANNELS}`;
  if (kind === 'socketio') {
    return new Promise((resolve, reject) => {
      const socket: Socket = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
      socket.once('connect_error', reject);
      socket.once('connect', () => socket.emit('subscribe', channel, () => resolve(() => socket.disconnect())));
    });
  }
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.once('message', () => resolve(() => ws.terminate()));
      ws.send(
        kind === 'ws'
          ? JSON.stringify({ subscribe: channel })
          : JSON.stringify({ service: 'pubsub', message: { command: 'subscribe', params: { channel }, callId: 0 } }),
      );
    });
  });
}

interface Result {
  perConnection: number;
  rssPerConnection: number;
  rate: number;
  cpuPerConnection: number;
}

async function round(kind: Kind, count: number): Promise<Result> {
  const server = await startServer(kind);
  const before = await server.measure();
  const closers: (() => void)[] = [];
  let next = 0;
  const cpu = cpuMicros(server.child.pid!);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) closers.push(await connectOne(kind, server.port, next++));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuPerConnection = (cpuMicros(server.child.pid!) - cpu) / count;
  await new Promise((r) => setTimeout(r, 500)); // let the server settle (timers, buffers)
  const after = await server.measure();
  closers.forEach((close) => close());
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.send('exit'); // a clean exit, so --cpu-prof can write its profile
  await exited;
  const heap = (m: NodeJS.MemoryUsage) => m.heapUsed + m.external;
  return { perConnection: (heap(after) - heap(before)) / count, rssPerConnection: (after.rss - before.rss) / count, rate: count / seconds, cpuPerConnection };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

async function main(): Promise<void> {
  const limit = openFileLimit();
  const count = Math.min(Number(process.env.CONNECTIONS ?? 10_000), limit.soft - 200);
  console.log(`bench:connections — open-file limit here: soft ${limit.soft}, hard ${limit.hard} (one descriptor per connection in this process and in the server);`);
  console.log(`${count.toLocaleString('en')} idle connections, each subscribed to one of ${CHANNELS} channels, ${IN_FLIGHT} handshakes in flight, ${ROUNDS} rounds`);
  const kinds: Kind[] = process.env.ONLY ? (process.env.ONLY.split(',') as Kind[]) : ['ws', 'snorky', 'socketio'];
  const results = new Map<Kind, Result[]>(kinds.map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of r % 2 === 0 ? kinds : [...kinds].reverse()) {
      const result = await round(kind, count);
      results.get(kind)!.push(result);
      console.log(`  round ${r + 1} ${NAMES[kind]}: ${(result.perConnection / 1024).toFixed(2)} KiB/conn heap+external, ${(result.rssPerConnection / 1024).toFixed(2)} KiB/conn RSS, ${Math.round(result.rate)} conn/s, server CPU ${Math.round(result.cpuPerConnection)} µs/conn`);
    }
  }
  if (process.env.ONLY) process.exit(0);
  const summary = new Map(kinds.map((k) => [k, { perConnection: mean(results.get(k)!.map((x) => x.perConnection)), rss: mean(results.get(k)!.map((x) => x.rssPerConnection)), rate: mean(results.get(k)!.map((x) => x.rate)), cpu: mean(results.get(k)!.map((x) => x.cpuPerConnection)) }]));
  console.log('\n| server | KiB per connection (heap + external) | KiB per connection (RSS) | connections/s | server CPU µs per connection |\n|---|---|---|---|---|');
  for (const kind of kinds) {
    const s = summary.get(kind)!;
    console.log(`| ${NAMES[kind]} | ${(s.perConnection / 1024).toFixed(2)} | ${(s.rss / 1024).toFixed(2)} | ${Math.round(s.rate).toLocaleString('en')} | ${Math.round(s.cpu)} |`);
  }
  const ws = summary.get('ws')!;
  const snorky = summary.get('snorky')!;
  const io = summary.get('socketio')!;
  console.log(
    `\nSnorky vs bare ws: memory/conn ${(snorky.perConnection / ws.perConnection).toFixed(2)}× (target ≤ 1.0), RSS/conn ${(snorky.rss / ws.rss).toFixed(2)}×, ` +
      `connection rate ${(snorky.rate / ws.rate).toFixed(2)}× (target ≥ 0.9), server CPU per connection ${(snorky.cpu / ws.cpu).toFixed(2)}×; Socket.IO: memory/conn ${(io.perConnection / ws.perConnection).toFixed(2)}×, rate ${(io.rate / ws.rate).toFixed(2)}×`,
  );
  const gib = (bytes: number) => (bytes / 1024 ** 3).toFixed(2);
  for (const target of [100_000, 1_000_000]) {
    console.log(
      `projection for ${target.toLocaleString('en')} connections: Snorky ${gib(snorky.perConnection * target)} GiB heap+external ` +
        `(${gib(snorky.rss * target)} GiB RSS) on one node; ${gib((snorky.perConnection * target) / 3)} GiB ` +
        `(${gib((snorky.rss * target) / 3)} GiB RSS) per node on three`,
    );
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
