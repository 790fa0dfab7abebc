/**
 * bench:rpc — the seed calculator's `sum` over WebSocket, 50 clients × 10 calls in flight.
 * Servers, each in its own process, all running side by side; the clients share this process:
 *   (a) a bare `ws` server that parses, adds and answers;
 *   (b) a Nest @WebSocketGateway + @SubscribeMessage on @nestjs/platform-ws (ValidationPipe on the same DTO);
 *   (c) Socket.IO 4 answering through the acknowledgement;
 *   Snorky (SnorkyModule, the calculator service), bare and with a guard + interceptor on the command,
 *   and the gateway with the same guard + interceptor.
 * throughput: calls/s with 10 in flight per client (best round); paced: a fixed total rate, latency from
 * send to reply, p50/p99 (the round with the best p99). Rounds rotate the order of the targets, so drift
 * of the machine hits all of them alike. The ratios are what counts.
 */
import { ChildProcess, spawn } from 'child_process';
import { join } from 'path';
import { gatewayTarget, RpcConnection, RpcTarget, snorkyTarget, socketIoTarget } from './rpc/rpc-clients';

const SETTINGS = {
  clients: 50,
  inFlight: 10,
  throughputRounds: Number(process.env.RPC_BENCH_ROUNDS ?? 4),
  throughputSeconds: 2,
  pacedRounds: Number(process.env.RPC_BENCH_PACED_ROUNDS ?? 3),
  pacedSeconds: 2,
  pacedRate: Number(process.env.RPC_BENCH_RATE ?? 2000),
};

interface Side {
  target: RpcTarget;
  connections: RpcConnection[];
  rates: number[];
  paced: Array<{ p50: number; p99: number }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a server process; resolves with the URL it prints. */
function startServer(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: join(__dirname, '..') });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
  });
}

async function throughputRound(side: Side): Promise<number> {
  let nextId = 0;
  let completed = 0;
  let inFlight = 0;
  let running = true;
  for (const connection of side.connections) {
    connection.onReply = () => {
      completed++;
      inFlight--;
      if (running) {
        inFlight++;
        connection.send(nextId++);
      }
    };
  }
  const started = performance.now();
  for (const connection of side.connections) {
    for (let i = 0; i < SETTINGS.inFlight; i++) {
      inFlight++;
      connection.send(nextId++);
    }
  }
  await sleep(SETTINGS.throughputSeconds * 1000);
  running = false;
  const rate = completed / ((performance.now() - started) / 1000);
  while (inFlight > 0) await sleep(5);
  return rate;
}

async function pacedRound(side: Side): Promise<{ p50: number; p99: number }> {
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  for (const connection of side.connections) {
    connection.onReply = (id) => {
      latencies.push(performance.now() - sentAt.get(id)!);
      sentAt.delete(id);
    };
  }
  const tickMs = 5;
  const perTick = (SETTINGS.pacedRate * tickMs) / 1000;
  let nextId = 0;
  let owed = 0;
  const ticks = (SETTINGS.pacedSeconds * 1000) / tickMs;
  const start = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    owed += perTick;
    for (; owed >= 1; owed--) {
      const id = nextId++;
      sentAt.set(id, performance.now());
      side.connections[id % side.connections.length].send(id);
    }
    const wait = start + (tick + 1) * tickMs - performance.now();
    if (wait > 0) await sleep(wait);
  }
  while (sentAt.size > 0) await sleep(5);
  latencies.sort((a, b) => a - b);
  return { p50: latencies[Math.floor(latencies.length * 0.5)], p99: latencies[Math.floor(latencies.length * 0.99)] };
}

/** Round r runs the targets rotated by r: each target goes first (and last) as often as the others. */
function rotated<T>(items: T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

interface Result {
  rate: number;
  p50: number;
  p99: number;
}

function resultOf(side: Side): Result {
  const bestPaced = side.paced.reduce((best, r) => (r.p99 < best.p99 ? r : best));
  return { rate: Math.max(...side.rates), ...bestPaced };
}

async function main(): Promise<void> {
  const s = SETTINGS;
  console.log(
    `bench:rpc — ${s.clients} clients × ${s.inFlight} in flight, ${s.throughputRounds}×${s.throughputSeconds} s throughput rounds, ` +
      `paced ${s.pacedRate} calls/s, ${s.pacedRounds}×${s.pacedSeconds} s`,
  );
  const register = ['-C', '@snorky/source', '-r', './scripts/register.js'];
  const servers = await Promise.all([
    startServer([join(__dirname, 'rpc', 'bare-ws-server.js')]),
    startServer([...register, join(__dirname, 'rpc', 'nest-servers.ts'), 'gateway']),
    startServer([join(__dirname, 'rpc', 'socketio-server.js')]),
    startServer([...register, join(__dirname, 'rpc', 'nest-servers.ts'), 'snorky']),
  ]);
  const [bare, gateway, socketIo, snorky] = servers.map((server) => server.url);
  const targets = [
    snorkyTarget('bare ws (a)', bare, 'calculator'),
    gatewayTarget('Nest gateway (b)', gateway, 'sum'),
    socketIoTarget('Socket.IO 4 + ack (c)', socketIo),
    snorkyTarget('Snorky', snorky, 'calculator'),
    gatewayTarget('Nest gateway + guard + interceptor', gateway, 'guardedSum'),
    snorkyTarget('Snorky + guard + interceptor', snorky, 'guarded'),
  ];
  const sides: Side[] = [];
  for (const target of targets) {
    const connections = await Promise.all(Array.from({ length: s.clients }, () => target.open()));
    sides.push({ target, connections, rates: [], paced: [] });
  }
  // Warm-up (JIT, connection buffers), not counted.
  for (const side of sides) await throughputRound(side);
  for (let round = 0; round < s.throughputRounds; round++) {
    for (const side of rotated(sides, round)) side.rates.push(await throughputRound(side));
  }
  for (let round = 0; round < s.pacedRounds; round++) {
    for (const side of rotated(sides, round)) side.paced.push(await pacedRound(side));
  }
  for (const side of sides) side.connections.forEach((c) => c.close());
  servers.forEach((server) => server.child.kill('SIGTERM'));

  const results = new Map(sides.map((side) => [side.target.name, resultOf(side)]));
  console.log('\n| server | calls/s | paced p50 ms | paced p99 ms |\n|---|---|---|---|');
  for (const [name, r] of results) console.log(`| ${name} | ${Math.round(r.rate)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`);
  const get = (name: string) => results.get(name)!;
  const sn = get('Snorky');
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  console.log('\nratios (targets from issue 15):');
  console.log(`  Snorky calls/s vs bare ws:        ${ratio(sn.rate, get('bare ws (a)').rate)} (target ≥ 0.9)`);
  console.log(`  Snorky calls/s vs Nest gateway:   ${ratio(sn.rate, get('Nest gateway (b)').rate)} (target ≥ 1.2)`);
  console.log(`  Snorky calls/s vs Socket.IO:      ${ratio(sn.rate, get('Socket.IO 4 + ack (c)').rate)}`);
  console.log(`  Snorky paced p99 vs bare ws:      ${ratio(sn.p99, get('bare ws (a)').p99)} (target ≤ 1.5)`);
  console.log(
    `  Snorky + guard + interceptor vs gateway + the same: ${ratio(get('Snorky + guard + interceptor').rate, get('Nest gateway + guard + interceptor').rate)} (target ≥ 1.0)`,
  );
  console.log(`  Snorky + guard + interceptor vs Snorky bare:         ${ratio(get('Snorky + guard + interceptor').rate, sn.rate)}`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
