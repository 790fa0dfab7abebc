/**
 * The pluggable seam: a Nest app that hosts Snorky itself publishes TypeORM deltas and authorizes
 * subscriptions through the core's in-process DataSyncPublisher (no HTTP), with the same helpers.
 * Real SnorkyModule, real WebSocket, real TypeORM on better-sqlite3.
 */
import 'reflect-metadata';
import { Controller, Get, INestApplication, Module, OnModuleInit, Req, Res } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Request, Response } from 'express';
import type { AddressInfo } from 'net';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import WebSocket from 'ws';
import { BroadcastDealer, DataSyncPublisher, DataSyncService, Dealer, SnorkyModule } from '@snorky/nest';
import { SnorkySubscriber, subscribable, subscribeIfRequested } from '@snorky/backend';

@Entity()
@subscribable({ model: 'Chore' })
class ChoreRow {
  @PrimaryGeneratedColumn() id: number;
  @Column() name: string;
}

@Dealer()
class AllChores extends BroadcastDealer {
  model = 'Chore';
}

/** The app's DataSource, with deltas going to the in-process publisher. */
class Database implements OnModuleInit {
  readonly dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [ChoreRow], synchronize: true });
  constructor(private readonly datasync: DataSyncPublisher) {}
  async onModuleInit() {
    await this.dataSource.initialize();
    new SnorkySubscriber(this.datasync, { publishErrors: 'raise' }).attach(this.dataSource);
  }
}

@Controller('chores')
class ChoresController {
  constructor(
    private readonly datasync: DataSyncPublisher,
    private readonly db: Database,
  ) {}

  @Get()
  list(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return subscribeIfRequested(this.datasync, req, res, [{ dealer: 'AllChores', query: null }], () =>
      this.db.dataSource.getRepository(ChoreRow).find(),
    );
  }
}

@Module({
  imports: [SnorkyModule.forRoot({ frontend: { path: '/ws' }, backend: false })],
  controllers: [ChoresController],
  providers: [DataSyncService, AllChores, { provide: Database, inject: [DataSyncPublisher], useFactory: (p: DataSyncPublisher) => new Database(p) }],
})
class InProcessAppModule {}

describe('@snorky/backend helpers with the in-process DataSyncPublisher', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [InProcessAppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = `127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.get(Database).dataSource.destroy();
    await app.close();
  });

  it('hands out a token in X-Subscription-Token and delivers TypeORM deltas to the WebSocket subscriber', async () => {
    const repo = app.get(Database).dataSource.getRepository(ChoreRow);
    const response = await fetch(`http://${base}/chores`, { headers: { 'X-Snorky': 'Subscribe' } });
    expect(await response.json()).toEqual([]);
    const token = response.headers.get('x-subscription-token');
    expect(token).toEqual(expect.any(String));

    // Made before the browser acquires the token: kept for it.
    const early = await repo.save({ name: 'dishes' });

    const ws = new WebSocket(`ws://${base}/ws`);
    const frames: any[] = [];
    ws.on('message', (raw) => frames.push(JSON.parse(raw.toString())));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const received = async (count: number) => {
      const deadline = Date.now() + 5000;
      while (frames.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    ws.send(JSON.stringify({ service: 'datasync', message: { command: 'acquireSubscription', params: { token }, callId: 1 } }));
    await received(2); // the kept delta, then the reply
    early.name = 'dishes and pans';
    await repo.save(early);
    await received(3);
    ws.close();
    expect(frames).toEqual([
      { service: 'datasync', message: { type: 'delta', delta: { type: 'insert', model: 'Chore', data: { id: early.id, name: 'dishes' } } } },
      { service: 'datasync', message: { type: 'response', callId: 1, data: null } },
      {
        service: 'datasync',
        message: {
          type: 'delta',
          delta: { type: 'update', model: 'Chore', oldData: { id: early.id, name: 'dishes' }, newData: { id: early.id, name: 'dishes and pans' } },
        },
      },
    ]);
  });
});
