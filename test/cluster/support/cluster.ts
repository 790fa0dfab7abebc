import { postBackend } from '../../support/snorky-app';
import { startStandaloneServer, StandaloneServer } from '../../support/standalone-server';
import { TestSocket } from '../../support/ws-client';
import { RedisProcess } from './redis-process';

/** The services every node of the test cluster runs (all nodes must run the same ones). */
export const CLUSTER_SERVICES = [
  { type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend' },
  {
    type: 'datasync',
    name: 'datasync',
    backend: 'datasync_backend',
    unacquiredTimeout: 2,
    dealers: [
      { name: 'AllTasks', model: 'Task', type: 'broadcast' },
      { name: 'TasksByOwner', model: 'Task', type: 'simple', key: 'owner' },
    ],
  },
];

/** Starts `count` standalone servers on one Redis (in parallel: each takes ~1 s to boot). */
export function startNodes(redisUrl: string, count = 3, env: NodeJS.ProcessEnv = {}): Promise<StandaloneServer[]> {
  return Promise.all(
    Array.from({ length: count }, () => startStandaloneServer({ cluster: { redis: redisUrl }, services: CLUSTER_SERVICES }, env)),
  );
}

export async function stopNodes(nodes: (StandaloneServer | undefined)[]): Promise<void> {
  await Promise.all(nodes.map((n) => n?.stop()));
}

/** One backend call on `node`: the HTTP status and the RPC reply (the envelope's message). */
export async function backend(node: StandaloneServer, service: string, command: string, params: object): Promise<{ status: number; message: any; text: string }> {
  const res = await postBackend(node.backendUrl, { service, message: { command, params } }, node.apiKey);
  return { status: res.status, message: res.body?.message, text: res.text };
}

/** A backend call that must succeed; returns the response data. */
export async function backendOk(node: StandaloneServer, service: string, command: string, params: object): Promise<any> {
  const res = await backend(node, service, command, params);
  if (res.status !== 200 || res.message?.type !== 'response') throw new Error(`${command} failed: ${res.status} ${res.text}`);
  return res.message.data;
}

/** Polls `check` until it holds (or throws its last error after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

export interface TestCluster {
  redis: RedisProcess;
  nodes: StandaloneServer[];
  /** Opens a socket on `node`, closed after the suite. */
  open(node: StandaloneServer): Promise<TestSocket>;
}

/**
 * A dedicated Redis and nodes on it for one suite (beforeAll/afterAll registered here).
 * `start` makes the nodes; by default three identical standalone servers.
 */
export function useTestCluster(start: (redisUrl: string) => Promise<StandaloneServer[]> = (url) => startNodes(url)): TestCluster {
  const sockets: TestSocket[] = [];
  const cluster: TestCluster = {
    redis: undefined as unknown as RedisProcess,
    nodes: [],
    async open(node) {
      const socket = await TestSocket.open(node.frontendUrl);
      sockets.push(socket);
      return socket;
    },
  };
  beforeAll(async () => {
    cluster.redis = await RedisProcess.start();
    cluster.nodes = await start(cluster.redis.url);
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await stopNodes(cluster.nodes);
    await cluster.redis?.stop();
  });
  return cluster;
}
