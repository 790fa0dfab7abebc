/**
 * bench:presence — how long after a node dies the survivors' clients learn it (PROTOCOL §9, §10 across
 * a cluster). Three node processes on a dedicated Redis; MEMBERS identities connected only to node 2
 * have joined a chat channel and each holds a cursor in a document; a watcher on node 0 is in both.
 * Node 2 is SIGKILLed; measured: time until the watcher has every `left` and every `cursorRemoved`.
 * The bound it is compared with is the configuration: nodeTimeout + heartbeatInterval. Rounds restart node 2.
 * Run with the defaults (5 s / 1 s) and with a short timeout (1.5 s / 0.25 s).
 */
import { RedisProcess } from '../test/cluster/support/redis-process';
import { Peer } from '../test/services/support/peer';
import { NodeProcess } from '../test/services/support/setups';
import { urlAs } from '../test/services/support/test-services';

const MEMBERS = Number(process.env.MEMBERS ?? 50);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CONFIGS = [
  { nodeTimeout: 5, heartbeatInterval: 1 },
  { nodeTimeout: 1.5, heartbeatInterval: 0.25 },
];

async function round(redis: RedisProcess, nodes: NodeProcess[], config: (typeof CONFIGS)[number], n: number): Promise<{ left: number; removed: number }> {
  const channel = `room-${n}`;
  const document = `doc-${n}`;
  const watcher = await Peer.open(urlAs(nodes[0].url, { id: `watcher-${n}` }));
  await watcher.call('chat', 'join', { channel });
  await watcher.call('cursors', 'join', { document });
  const doomed = await Promise.all(Array.from({ length: MEMBERS }, (_, i) => Peer.open(urlAs(nodes[2].url, { id: `m${i}` }))));
  for (const peer of doomed) {
    await peer.call('chat', 'join', { channel });
    await peer.call('cursors', 'join', { document });
    await peer.call('cursors', 'createCursor', { privateHandle: 1, document, position: 0, status: null });
  }
  for (let i = 0; i < MEMBERS; i++) {
    await watcher.next('chat');
    await watcher.next('cursors');
  }
  const killedAt = performance.now();
  await nodes[2].kill();
  let left = 0;
  let removed = 0;
  const deadline = (config.nodeTimeout + config.heartbeatInterval) * 1000 + 10_000;
  await Promise.all([
    (async () => {
      for (let i = 0; i < MEMBERS; i++) await watcher.next('chat', deadline);
      left = performance.now() - killedAt;
    })(),
    (async () => {
      for (let i = 0; i < MEMBERS; i++) await watcher.next('cursors', deadline);
      removed = performance.now() - killedAt;
    })(),
  ]);
  await watcher.close();
  nodes[2] = await NodeProcess.start(redis.url, config.nodeTimeout, config.heartbeatInterval);
  return { left, removed };
}

async function main(): Promise<void> {
  console.log(`bench:presence — ${MEMBERS} members (each with a cursor) on a node that is killed; ${ROUNDS} rounds per configuration\n`);
  const rows: string[] = [];
  for (const config of CONFIGS) {
    const redis = await RedisProcess.start();
    const nodes = await Promise.all([0, 1, 2].map(() => NodeProcess.start(redis.url, config.nodeTimeout, config.heartbeatInterval)));
    const results = [];
    for (let n = 0; n < ROUNDS; n++) results.push(await round(redis, nodes, config, n));
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.stop();
    const bound = (config.nodeTimeout + config.heartbeatInterval) * 1000;
    const fmt = (values: number[]) => values.map((v) => (v / 1000).toFixed(2)).join(' / ');
    rows.push(
      `| ${config.nodeTimeout} s / ${config.heartbeatInterval} s | ${(bound / 1000).toFixed(2)} | ${fmt(results.map((r) => r.left))} | ${fmt(results.map((r) => r.removed))} |`,
    );
  }
  console.log('| nodeTimeout / heartbeat | bound (s) | all `left` received (s, per round) | all `cursorRemoved` received (s, per round) |\n|---|---|---|---|');
  for (const row of rows) console.log(row);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
