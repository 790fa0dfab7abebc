/**
 * One cluster node as its own process (so a test can SIGKILL it): a Nest app with the services under
 * test on the Redis at $REDIS_URL. Prints "listening on <ws url>" once it serves.
 */
import 'reflect-metadata';
import { startSnorkyApp } from '../../support/snorky-app';
import { QueryAuthenticator, SERVICE_PROVIDERS, TEST_LIMITS } from './test-services';

async function main(): Promise<void> {
  const server = await startSnorkyApp(SERVICE_PROVIDERS, {
    backend: false,
    frontend: { authenticator: QueryAuthenticator },
    limits: TEST_LIMITS,
    cluster: { redis: process.env.REDIS_URL!, nodeTimeout: Number(process.env.NODE_TIMEOUT ?? 1.5), heartbeatInterval: Number(process.env.HEARTBEAT_INTERVAL ?? 0.25) },
  });
  process.stdout.write(`listening on ${server.wsUrl}\n`);
  process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
