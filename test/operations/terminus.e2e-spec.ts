import { Controller, Get, INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'net';
import { PubSubService, SnorkyHealth, SnorkyHealthIndicator, SnorkyModule } from '@snorky/nest';
import { eventually } from '../cluster/support/cluster';
import { RedisProcess } from '../cluster/support/redis-process';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly snorky: SnorkyHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.snorky.isHealthy('snorky')]);
  }
}

/** SnorkyHealthIndicator in a Nest app's own terminus health check, on a Redis the test stops. */
describe('SnorkyHealthIndicator with @nestjs/terminus', () => {
  let redis: RedisProcess;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    redis = await RedisProcess.start();
    const moduleRef = await Test.createTestingModule({
      imports: [TerminusModule, SnorkyModule.forRoot({ frontend: { path: '/ws' }, backend: false, cluster: { redis: redis.url } })],
      controllers: [HealthController],
      providers: [PubSubService, SnorkyHealthIndicator],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/health`;
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('is up with the listeners up and Redis reachable', async () => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ok',
      info: { snorky: { status: 'up', listeners: { frontend: true, backend: null }, broker: { clustered: true, up: true }, draining: false } },
    });
  });

  it('is down (503) while Redis is unreachable, up again once it is back', async () => {
    await redis.stop();
    await eventually(async () => expect((await fetch(url)).status).toBe(503));
    expect(await (await fetch(url)).json()).toMatchObject({ status: 'error', error: { snorky: { status: 'down', broker: { up: false } } } });
    await redis.restart();
    await eventually(async () => expect((await fetch(url)).status).toBe(200), 15_000);
  });

  it('is down once the node starts draining', async () => {
    app.get(SnorkyHealth).startDraining();
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { snorky: { status: 'down', draining: true } } });
  });
});
