/**
 * What the Django and Rails delivery suites share (issue 12): one Snorky node on a dedicated Redis
 * that a test can stop, pause or cut off from Redis, and a subscription to every task authorized on
 * Snorky directly, so that no request to the app is needed to watch what it publishes.
 */
import Redis from 'ioredis';
import { RedisProcess } from '../../cluster/support/redis-process';
import { postBackend } from '../../support/snorky-app';
import { SnorkySocket } from '../../support/snorky-socket';
import { startStandaloneServer, StandaloneServer } from '../../support/standalone-server';
import { TASKS_DATASYNC_SERVICE } from './interop-fixture';

export interface DeliveryFixture {
  redis: RedisProcess;
  server: StandaloneServer;
  /** A socket subscribed to AllTasks (closed by closeWatchers). */
  watchAll(): Promise<SnorkySocket>;
  /**
   * Cut off from Redis (stopped, restarted empty after `ms`): the write path's 503s are retried.
   * Redis came back empty, so `watcher` is told its view is stale (subscriptionLost); resolves with the
   * ids of the tasks the journal received since (what the node routed to views subscribed again),
   * once `expectedId` is among them, or after `timeoutMs`.
   */
  cutOffFromRedis(watcher: SnorkySocket, ms: number, during: () => Promise<{ id: unknown }>, timeoutMs: number): Promise<{ task: { id: unknown }; journaled: unknown[] }>;
  /** Stops the node (Snorky gone: connections refused). */
  stopServer(): Promise<void>;
  /** Starts a node again on the ports of the stopped one (Snorky back). */
  startAgainOnSamePorts(): Promise<void>;
  closeWatchers(): void;
  close(): Promise<void>;
}

export async function startDeliveryFixture(): Promise<DeliveryFixture> {
  const redis = await RedisProcess.start();
  const start = (ports: { frontend: number; backend: number } = { frontend: 0, backend: 0 }) =>
    startStandaloneServer({
      cluster: { redis: redis.url },
      frontend: { port: ports.frontend },
      backend: { port: ports.backend },
      services: [TASKS_DATASYNC_SERVICE],
    });
  const sockets: SnorkySocket[] = [];
  const fixture: DeliveryFixture = {
    redis,
    server: await start(),
    async watchAll() {
      const { server } = fixture;
      const params = { items: [{ dealer: 'AllTasks', query: null }] };
      const reply = await postBackend(server.backendUrl, { service: 'datasync_backend', message: { command: 'authorizeSubscription', params } }, server.apiKey);
      const socket = await SnorkySocket.open(server.frontendUrl);
      sockets.push(socket);
      await expect(socket.acquire(reply.body.message.data)).resolves.toBeNull();
      return socket;
    },
    async cutOffFromRedis(watcher, ms, during, timeoutMs) {
      await redis.stop();
      const task = await during();
      await new Promise((r) => setTimeout(r, ms));
      await redis.restart();
      const deadline = Date.now() + timeoutMs;
      const client = new Redis(redis.url);
      try {
        for (;;) {
          // DataSync batches as the journal holds them: "seq ms payload".
          const entries = await client.lrange('snorky:j:datasync:datasync', 0, -1);
          const journaled = entries.flatMap((e) => JSON.parse(e.slice(e.indexOf(' ', e.indexOf(' ') + 1) + 1)) as { data: { id: unknown } }[]).map((d) => d.data.id);
          const told = watcher.notifications.some((n) => n.message.type === 'subscriptionLost');
          if ((told && journaled.includes(task.id)) || Date.now() > deadline) return { task, journaled: told ? journaled : [] };
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        client.disconnect();
      }
    },
    async stopServer() {
      await fixture.server.stop();
    },
    async startAgainOnSamePorts() {
      const port = (url: string) => Number(new URL(url).port);
      fixture.server = await start({ frontend: port(fixture.server.frontendUrl), backend: port(fixture.server.backendUrl) });
    },
    closeWatchers: () => sockets.splice(0).forEach((s) => s.close()),
    async close() {
      fixture.closeWatchers();
      await fixture.server?.stop();
      await redis.stop();
    },
  };
  return fixture;
}

/** Runs `work`, resolving with its result and how long it took (ms). */
export async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const result = await work();
  return [result, Date.now() - started];
}
