import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import {
  BroadcastDealer,
  DataSyncBackend,
  DataSyncPublisher,
  DataSyncService,
  Dealer,
  PubSubBackend,
  PubSubService,
  SnorkyModule,
} from '@snorky/nest';
import { backendCall, RunningSnorkyApp, startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';
import { freePort, RedisProcess } from './support/redis-process';

@Dealer()
class AllTasks extends BroadcastDealer {
  model = 'Task';
}

const PROVIDERS = [PubSubService, PubSubBackend, DataSyncService, DataSyncBackend, AllTasks];
const insert = (id: number) => ({ type: 'insert', model: 'Task', data: { id } });

/** `SnorkyModule.forRoot({ cluster })` in the user's own Nest apps (two apps in this process, one Redis). */
describe('cluster: SnorkyModule.forRoot({ cluster: { redis } })', () => {
  let redis: RedisProcess;
  let apps: RunningSnorkyApp[] = [];

  beforeAll(async () => {
    redis = await RedisProcess.start();
    apps = await Promise.all([0, 1].map(() => startSnorkyApp(PROVIDERS, { cluster: { redis: redis.url } })));
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await redis?.stop();
  });

  it('fails module start-up with a clear error when Redis is unreachable', async () => {
    const port = await freePort();
    const compiling = Test.createTestingModule({
      imports: [SnorkyModule.forRoot({ backend: false, cluster: { redis: `redis://127.0.0.1:${port}`, connectTimeout: 0.3 } })],
    }).compile();
    await expect(compiling).rejects.toThrow(`cluster.redis: cannot connect to Redis at redis://127.0.0.1:${port} within 300 ms`);
  });

  it('shares PubSub between the apps', async () => {
    const browser = await TestSocket.open(apps[0].wsUrl);
    await browser.call('pubsub', 'subscribe', { channel: 'c' }, 0);
    await backendCall(apps[1].backendUrl, 'pubsub_backend', 'publish', { channel: 'c', message: 'hi' });
    expect((await browser.next()).message).toEqual({ type: 'message', channel: 'c', message: 'hi' });
    await browser.close();
  });

  it('hands a token authorized in-process (DataSyncPublisher, synchronous) to the other app', async () => {
    const publisher = apps[0].app.get(DataSyncPublisher);
    const token = publisher.authorizeSubscription([{ dealer: 'AllTasks', query: null }]);
    expect(typeof token).toBe('string');
    await apps[1].app.get(DataSyncPublisher).publishDeltas([insert(1) as any]);
    const browser = await TestSocket.open(apps[1].wsUrl);
    expect(await browser.call('datasync', 'acquireSubscription', { token }, 0)).toEqual({ service: 'datasync', message: { type: 'delta', delta: insert(1) } });
    expect((await browser.next()).message).toEqual({ type: 'response', callId: 0, data: null });
    await publisher.publishDeltas([insert(2) as any]);
    expect((await browser.next()).message.delta).toEqual(insert(2));
    await browser.close();
  });

  it('closes its Redis connections when the app closes', async () => {
    const admin = new Redis(redis.url);
    const snorkyConnections = async () => ((await admin.client('LIST')) as string).split('\n').filter((l) => /name=snorky-/.test(l)).length;
    try {
      expect(await snorkyConnections()).toBe(4);
      await apps[1].close();
      apps = [apps[0]];
      await new Promise((r) => setTimeout(r, 100));
      expect(await snorkyConnections()).toBe(2);
    } finally {
      admin.disconnect();
    }
  });
});
