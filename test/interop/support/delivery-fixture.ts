/**
 * What the Django and Rails delivery suites share (issue 12): one Snorky node on a dedicated Redis
 * that a test can stop, pause or cut off from Redis, and a subscription to every task authorized on
 * Snorky directly, so that no request to the app is needed to watch what it publishes.
 */
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
