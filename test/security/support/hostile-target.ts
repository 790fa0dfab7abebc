import { RedisProcess } from '../../cluster/support/redis-process';
import { backend, backendOk, startNodes, stopNodes } from '../../cluster/support/cluster';
import { startStandaloneServer, StandaloneServer } from '../../support/standalone-server';
import { TestSocket } from '../../support/ws-client';

/**
 * The security suites send channels as large as a frame (a 96 000-key channel costs what it costs to
 * canonicalize): the channel size limit (1 KiB by default, PROTOCOL §11) is raised to the frame size here.
 */
// Cost measurements send many large frames from one connection: no read budget (limits.maxBytesPerSecond).
const LIMITS = { maxChannelSize: 1024 * 1024, maxBytesPerSecond: 0 };

/** The services of every node the security suites start: PubSub, and DataSync with one dealer of each kind. */
export const SECURITY_SERVICES = [
  { type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend' },
  {
    type: 'datasync',
    name: 'datasync',
    backend: 'datasync_backend',
    dealers: [
      { name: 'All', model: 'Task', type: 'broadcast' },
      { name: 'ByOwner', model: 'Task', type: 'simple', key: 'owner' },
      { name: 'Filtered', model: 'Task', type: 'filter' },
      { name: 'Markers', model: 'Marker', type: 'broadcast' },
    ],
  },
];

/** Keys named like members of Object.prototype (and the prototype-pollution classics). */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupGetter__',
];

/**
 * Where a test runs: `subscriberNode` is where browsers connect, `publisherNode` where the other
 * party (a second browser, the backend) talks. One standalone server for the single-node path;
 * two standalone servers on a dedicated Redis for the cluster path (subscriber and publisher on
 * different nodes, so every value crosses Redis).
 */
export interface HostileTarget {
  subscriberNode: StandaloneServer;
  publisherNode: StandaloneServer;
  open(node: StandaloneServer): Promise<TestSocket>;
}

/** Registers beforeAll/afterAll that start the target; the returned object is filled in beforeAll. */
export function useHostileTarget(kind: 'single' | 'cluster', env: NodeJS.ProcessEnv = {}): HostileTarget {
  let redis: RedisProcess | undefined;
  let nodes: StandaloneServer[] = [];
  const sockets: TestSocket[] = [];
  const target = {
    open: async (node: StandaloneServer) => {
      const socket = await TestSocket.open(node.frontendUrl);
      sockets.push(socket);
      return socket;
    },
  } as HostileTarget;
  beforeAll(async () => {
    if (kind === 'single') {
      nodes = [await startStandaloneServer({ services: SECURITY_SERVICES, limits: LIMITS }, env)];
      target.subscriberNode = target.publisherNode = nodes[0];
    } else {
      redis = await RedisProcess.start();
      nodes = await Promise.all(
        [0, 1].map(() => startStandaloneServer({ cluster: { redis: redis!.url }, services: SECURITY_SERVICES, limits: LIMITS }, env)),
      );
      [target.subscriberNode, target.publisherNode] = nodes;
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await stopNodes(nodes);
    await redis?.stop();
  });
  return target;
}

export { backend, backendOk, startNodes };

export const authorize = (node: StandaloneServer, items: unknown) =>
  backendOk(node, 'datasync_backend', 'authorizeSubscription', { items }) as Promise<string>;

export const publishDeltas = (node: StandaloneServer, deltas: unknown[]) =>
  backendOk(node, 'datasync_backend', 'publishDeltas', { deltas });

/** Acquires `token` on `socket`; fails the test unless the reply is a plain success. */
export async function acquire(socket: TestSocket, token: string): Promise<void> {
  const reply = await socket.call('datasync', 'acquireSubscription', { token }, 'acquire');
  if (reply.message.type !== 'response') throw new Error(`acquire failed: ${JSON.stringify(reply)}`);
}

/**
 * Publishes `deltas` followed, in the same batch, by a Marker delta, and returns the Task deltas
 * that reached `socket` before the marker: what was delivered, with no waiting for silence.
 * The subscription must include `{dealer: 'Markers', query: null}`.
 */
export async function deliveredBeforeMarker(node: StandaloneServer, socket: TestSocket, deltas: unknown[], id: number): Promise<any[]> {
  await publishDeltas(node, [...deltas, { type: 'insert', model: 'Marker', data: { id } }]);
  const delivered: any[] = [];
  for (;;) {
    const frame = await socket.next(5000);
    const delta = frame.message?.delta;
    if (!delta) throw new Error(`expected a delta, got ${JSON.stringify(frame)}`);
    if (delta.model === 'Marker') {
      if (delta.data.id !== id) throw new Error(`marker ${delta.data.id} arrived, expected ${id}`);
      return delivered;
    }
    delivered.push(delta);
  }
}

/** Subscribes a fresh socket on the subscriber node to `items` plus the markers; returns it and its token. */
export async function subscribeWithMarkers(target: HostileTarget, items: unknown[]): Promise<{ socket: TestSocket; token: string }> {
  const socket = await target.open(target.subscriberNode);
  const token = await authorize(target.publisherNode, [...items, { dealer: 'Markers', query: null }]);
  await acquire(socket, token);
  return { socket, token };
}

/** A JSON value as a client would see it after the wire: parsed from its text. */
export function viaJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}
