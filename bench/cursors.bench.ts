/**
 * bench:cursors — one cursor moving in a document that 100 other clients have joined (PROTOCOL §10):
 * every `updateCursor` is fanned out as `cursorUpdated` to the 100. Measured against a bare `ws`
 * broadcast server (bench/fanout/ws-broadcast-server.js) in the same run, rounds alternating A B B A:
 *   burst: deliveries per second while the mover sends updates back to back (median round);
 *   paced: 50 updates/s, latency from the update to each delivery, p50/p99.
 * Snorky here is the standalone server (one node) with the identity and cursors services; each
 * client authenticates with a token its "backend" asked for, as a real page does.
 */
import WebSocket from 'ws';
import { backendOk } from '../test/cluster/support/cluster';
import { startStandaloneServer, type StandaloneServer } from '../test/support/standalone-server';
import { join } from 'path';
import { startBaselineProcess } from './baseline-process';
import { UNLIMITED } from './bench-limits';
import { openSockets, type Subscriber } from './fanout/fanout-clients';
import { burstRound, FANOUT_SETTINGS, median, pacedRun, percentile } from './fanout/fanout-measure';

const CLIENTS = Number(process.env.DOCUMENT_CLIENTS ?? 100);

interface Side {
  name: string;
  mover: WebSocket;
  frame: (payload: string) => string;
  subscribers: Subscriber[];
  rates: number[];
  latencies: number[];
}

function counting(sockets: WebSocket[]): Subscriber[] {
  return sockets.map((ws) => {
    const s: Subscriber = { ws, received: 0 };
    ws.removeAllListeners('message');
    ws.on('message', (data: Buffer) => {
      s.received++;
      s.onFrame?.(data);
    });
    return s;
  });
}

/** Sends one RPC request and waits for its reply (the next frame of that socket during set-up). */
function rpc(ws: WebSocket, service: string, command: string, params: object): Promise<any> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()).message;
      if (message.type === 'response') resolve(message.data);
      else reject(new Error(`${service}.${command}: ${message.message}`));
    });
    ws.send(JSON.stringify({ service, message: { command, params, callId: 0 } }));
  });
}

async function snorkySide(server: StandaloneServer): Promise<Side> {
  const sockets = await openSockets(server.frontendUrl, CLIENTS + 1);
  for (const [i, ws] of sockets.entries()) {
    const token = await backendOk(server, 'identity_backend', 'authorizeIdentity', { identity: { id: i } });
    await rpc(ws, 'identity', 'authenticate', { token });
    await rpc(ws, 'cursors', 'join', { document: 'doc' });
  }
  const mover = sockets.pop()!;
  await rpc(mover, 'cursors', 'createCursor', { privateHandle: 1, document: 'doc', position: 0, status: 'editing' });
  await new Promise((r) => setTimeout(r, 200)); // the cursorAdded notifications
  let callId = 0;
  return {
    name: 'snorky cursors',
    mover,
    frame: (payload) => `{"service":"cursors","message":{"command":"updateCursor","params":{"privateHandle":1,"newData":{"position":${payload}}},"callId":${++callId}}}`,
    subscribers: counting(sockets),
    rates: [],
    latencies: [],
  };
}

async function bareSide(url: string): Promise<Side> {
  const sockets = await openSockets(url, CLIENTS + 1);
  const mover = sockets.pop()!;
  for (const ws of sockets) ws.send('sub');
  await new Promise((r) => setTimeout(r, 200));
  return {
    name: 'bare ws',
    mover,
    // the same bytes a cursorUpdated carries, broadcast as is
    frame: (payload) => `{"service":"cursors","message":{"type":"cursorUpdated","cursor":{"publicHandle":1,"document":"doc","position":${payload},"status":"editing","owner":{"id":0}}}}`,
    subscribers: counting(sockets),
    rates: [],
    latencies: [],
  };
}


function alternate<T>(round: number, a: T, b: T): T[] {
  return round % 2 === 0 ? [a, b] : [b, a];
}

async function main(): Promise<void> {
  const s = FANOUT_SETTINGS;
  console.log(`bench:cursors — ${CLIENTS} clients in a document, burst ${s.burstRounds}×${s.burstMessages} updates, paced ${s.pacedRate}/s for ${s.pacedSeconds} s`);
  const baseline = await startBaselineProcess(join(__dirname, 'fanout', 'ws-broadcast-server.js'));
  const server = await startStandaloneServer({
    services: [
      { type: 'identity', name: 'identity', backend: 'identity_backend' },
      { type: 'cursors', name: 'cursors' },
    ],
    frontend: { pingInterval: 0 },
    ...UNLIMITED,
  });
  const bare = await bareSide(baseline.url);
  const snorky = await snorkySide(server);
  for (let round = 0; round < s.burstRounds * 2; round++) {
    for (const side of alternate(round, bare, snorky)) side.rates.push(await burstRound(side.mover, side.frame, side.subscribers));
  }
  for (let round = 0; round < 4; round++) {
    for (const side of alternate(round, bare, snorky)) await pacedRun(side.mover, side.frame, side.subscribers, s.pacedSeconds / 4, side.latencies);
  }
  for (const ws of [bare, snorky].flatMap((side) => [side.mover, ...side.subscribers.map((x) => x.ws)])) ws.terminate();
  baseline.stop();
  await server.stop();

  console.log('\n| server | deliveries/s (burst, median) | p50 ms (paced) | p99 ms (paced) |\n|---|---|---|---|');
  for (const side of [bare, snorky]) {
    console.log(`| ${side.name} | ${Math.round(median(side.rates)).toLocaleString('en')} | ${percentile(side.latencies, 0.5).toFixed(2)} | ${percentile(side.latencies, 0.99).toFixed(2)} |`);
  }
  const ratio = median(snorky.rates) / median(bare.rates);
  console.log(`\nsnorky / bare ws: ${ratio.toFixed(2)}× the deliveries per second; p50 latency ${(percentile(snorky.latencies, 0.5) / percentile(bare.latencies, 0.5)).toFixed(2)}×`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
