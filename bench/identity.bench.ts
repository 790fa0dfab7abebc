/**
 * bench:identity — what identity costs (issue 15: "an authenticated connection costs no more per call
 * than an anonymous one"). Two servers, each in its own process, run side by side: Snorky without an
 * authenticator (the baseline) and Snorky whose authenticator looks a session cookie up
 * asynchronously. Measurements alternate between them (A B, B A, ...):
 *   calls: the calculator's `sum`, 50 connections × 10 calls in flight — calls per second (median round);
 *   connections: open a connection, one call, close; 20 at a time — connections per second (median round).
 * The clients share this process; on a 2-core machine it is the bottleneck of both: the ratio is what counts.
 */
import { spawn, type ChildProcess } from 'child_process';
import { join } from 'path';
import WebSocket from 'ws';

const SETTINGS = { connections: 50, inFlight: 10, callsPerConnection: 400, callRounds: 6, opensPerRound: 400, openConcurrency: 20, openRounds: 6 };
const HEADERS = { Cookie: 'session=bench-session' };

interface Side {
  name: string;
  url: string;
  child: ChildProcess;
  callRates: number[];
  openRates: number[];
}

async function startServer(name: string, args: string[]): Promise<Side> {
  const script = join(__dirname, 'identity', 'identity-server.ts');
  const child = spawn(process.execPath, ['-C', '@snorky/source', '-r', join(__dirname, '..', 'scripts', 'register.js'), script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`${name} server exited with ${code}`)));
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  return { name, url, child, callRates: [], openRates: [] };
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: HEADERS });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const sumFrame = (callId: number) => `{"service":"calculator","message":{"command":"sum","params":{"number1":${callId},"number2":1},"callId":${callId}}}`;

/** `count` calls on one socket, `inFlight` at a time; resolves when all are answered. */
function callLoop(ws: WebSocket, count: number, inFlight: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = 0;
    const onMessage = (data: Buffer) => {
      const reply = JSON.parse(data.toString());
      if (reply.message.type !== 'response') return reject(new Error(JSON.stringify(reply)));
      answered++;
      if (answered === count) {
        ws.off('message', onMessage);
        return resolve();
      }
      if (sent < count) ws.send(sumFrame(sent++));
    };
    ws.on('message', onMessage);
    while (sent < Math.min(inFlight, count)) ws.send(sumFrame(sent++));
  });
}

async function callRound(sockets: WebSocket[]): Promise<number> {
  const started = process.hrtime.bigint();
  await Promise.all(sockets.map((ws) => callLoop(ws, SETTINGS.callsPerConnection, SETTINGS.inFlight)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (sockets.length * SETTINGS.callsPerConnection) / seconds;
}

async function openRound(url: string): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  const worker = async () => {
    while (next < SETTINGS.opensPerRound) {
      next++;
      const ws = await open(url);
      await callLoop(ws, 1, 1);
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close();
      });
    }
  };
  await Promise.all(Array.from({ length: SETTINGS.openConcurrency }, worker));
  return SETTINGS.opensPerRound / (Number(process.hrtime.bigint() - started) / 1e9);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const alternate = <T>(round: number, a: T, b: T): T[] => (round % 2 === 0 ? [a, b] : [b, a]);

async function main(): Promise<void> {
  const s = SETTINGS;
  console.log(`bench:identity — calls: ${s.connections} connections × ${s.inFlight} in flight × ${s.callsPerConnection} calls, ${s.callRounds} rounds a side; connections: ${s.opensPerRound} opens (${s.openConcurrency} at a time), ${s.openRounds} rounds a side`);
  const anonymous = await startServer('anonymous (no authenticator)', []);
  const authenticated = await startServer('authenticator (async cookie lookup)', ['--authenticator']);
  try {
    const sockets = new Map<Side, WebSocket[]>();
    for (const side of [anonymous, authenticated]) sockets.set(side, await Promise.all(Array.from({ length: s.connections }, () => open(side.url))));
    for (const side of [anonymous, authenticated]) await callRound(sockets.get(side)!); // warm-up
    for (let round = 0; round < s.callRounds; round++) {
      for (const side of alternate(round, anonymous, authenticated)) side.callRates.push(await callRound(sockets.get(side)!));
    }
    for (const ws of [...sockets.values()].flat()) ws.terminate();
    for (let round = 0; round < s.openRounds; round++) {
      for (const side of alternate(round, anonymous, authenticated)) side.openRates.push(await openRound(side.url));
    }
    const row = (side: Side) => `${side.name.padEnd(38)} ${median(side.callRates).toFixed(0).padStart(9)} calls/s ${median(side.openRates).toFixed(0).padStart(7)} connections/s`;
    console.log(row(anonymous));
    console.log(row(authenticated));
    console.log(`authenticated / anonymous: calls ${(median(authenticated.callRates) / median(anonymous.callRates)).toFixed(2)}×, connections ${(median(authenticated.openRates) / median(anonymous.openRates)).toFixed(2)}×`);
  } finally {
    anonymous.child.kill('SIGTERM');
    authenticated.child.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
