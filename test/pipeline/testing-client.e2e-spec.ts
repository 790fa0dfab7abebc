import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PubSubService, SnorkyModule } from '@snorky/nest';
import { RpcCallError, SnorkyTestClient } from '@snorky/nest/testing';
import { GuardedService, ParamsGuard } from './guarded.services';

/** `@snorky/nest/testing`: the full pipeline (validation, guards, interceptors, pipes, filters) without a socket. */
describe('SnorkyTestClient', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SnorkyModule.forRoot({ backend: false })],
      providers: [GuardedService, PubSubService, ParamsGuard],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init(); // no listen: nothing is bound
  });
  afterAll(() => app.close());

  it('answers a command through guards, pipes and interceptors', async () => {
    const client = new SnorkyTestClient(app);
    await expect(client.call('guarded', 'secret', { allow: true })).resolves.toBe('the secret');
    await expect(client.call('guarded', 'piped', { a: 5, b: 1 })).resolves.toBe(11);
    await expect(client.call('guarded', 'wrapped', { a: 1, b: 2 })).resolves.toEqual({ wrapped: 3 });
  });

  it('rejects with the wire error text', async () => {
    const client = new SnorkyTestClient(app);
    await expect(client.call('guarded', 'secret', { allow: false })).rejects.toThrow(new RpcCallError('Not authorized'));
    await expect(client.call('guarded', 'piped', { a: 'x', b: 1 })).rejects.toThrow('Invalid params');
    await expect(client.call('guarded', 'nope')).rejects.toThrow('Unknown command');
  });

  it('carries an identity for guards to read', async () => {
    await expect(new SnorkyTestClient(app).call('guarded', 'adminOnly')).rejects.toThrow('Not authorized');
    await expect(new SnorkyTestClient(app, { identity: { role: 'admin' } }).call('guarded', 'adminOnly')).resolves.toBe('admin');
  });

  it('receives notifications, and close() releases the subscriptions', async () => {
    const reader = new SnorkyTestClient(app);
    const writer = new SnorkyTestClient(app);
    await reader.call('pubsub', 'subscribe', { channel: 'room' });
    await writer.call('pubsub', 'publish', { channel: 'room', message: 'hello' });
    expect(reader.notifications).toEqual([{ service: 'pubsub', message: { type: 'message', channel: 'room', message: 'hello' } }]);
    reader.close();
    await writer.call('pubsub', 'publish', { channel: 'room', message: 'again' });
    expect(reader.notifications).toHaveLength(1);
    expect(app.get(PubSubService).broker.localSubscriberCount('pubsub:pubsub:"room"')).toBe(0);
  });
});
