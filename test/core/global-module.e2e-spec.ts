/**
 * `SnorkyModule.forRoot({ isGlobal: true })`: a feature module injects DataSyncPublisher and the broker
 * without importing SnorkyModule. Without it, the exports reach only the modules that import it.
 * Real Nest apps on a random port; the injected publisher is used to authorize a real subscription.
 */
import { INestApplication, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Broker, DataSyncPublisher, DataSyncService, SnorkyModule, SnorkyModuleOptions } from '@snorky/nest';

const OPTIONS: SnorkyModuleOptions = { frontend: { path: '/ws' }, backend: false };

@Injectable()
class FeatureService {
  constructor(
    readonly publisher: DataSyncPublisher,
    readonly broker: Broker,
  ) {}
}

/** Does not import SnorkyModule: needs it to be global. */
@Module({ providers: [FeatureService], exports: [FeatureService] })
class FeatureModule {}

async function start(root: any): Promise<INestApplication> {
  const app = await NestFactory.create(root, { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

describe('SnorkyModule isGlobal', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('forRoot({ isGlobal: true }): a feature module injects the publisher and broker without importing', async () => {
    @Module({ imports: [SnorkyModule.forRoot({ ...OPTIONS, isGlobal: true }), FeatureModule], providers: [DataSyncService] })
    class AppModule {}
    app = await start(AppModule);
    const feature = app.get(FeatureService);
    expect(feature.publisher).toBe(app.get(DataSyncPublisher));
    expect(feature.broker).toBe(app.get(Broker));
    // Wired to the app's DataSync service: its dealers are the ones asked.
    expect(() => feature.publisher.authorizeSubscription([{ dealer: 'Nobody', query: null }])).toThrow('No such dealer');
  });

  it('forRootAsync({ isGlobal: true }) is global too', async () => {
    @Module({
      imports: [SnorkyModule.forRootAsync({ isGlobal: true, useFactory: () => OPTIONS }), FeatureModule],
      providers: [DataSyncService],
    })
    class AppModule {}
    app = await start(AppModule);
    expect(app.get(FeatureService).publisher).toBe(app.get(DataSyncPublisher));
  });

  it('without isGlobal a module that does not import SnorkyModule cannot inject its exports', async () => {
    @Module({ imports: [SnorkyModule.forRoot(OPTIONS), FeatureModule], providers: [DataSyncService] })
    class AppModule {}
    await expect(start(AppModule)).rejects.toThrow(/can't resolve dependencies of the FeatureService[\s\S]*DataSyncPublisher/);
  });

  it('without isGlobal the exports are usable from the module that imports it', async () => {
    @Module({ imports: [SnorkyModule.forRoot(OPTIONS)], providers: [FeatureService, DataSyncService], exports: [FeatureService] })
    class SnorkyFeatureModule {}
    @Module({ imports: [SnorkyFeatureModule] })
    class AppModule {}
    app = await start(AppModule);
    const feature = app.get(FeatureService);
    expect(feature.publisher).toBeInstanceOf(DataSyncPublisher);
    expect(feature.broker).toBeInstanceOf(Broker);
  });
});
