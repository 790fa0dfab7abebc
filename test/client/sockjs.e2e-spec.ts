import SockJS from 'sockjs-client';
import { PubSub, RpcService, Snorky } from '@snorky/client';
import { backendCall, nextEvent, startClientTestServer, type ClientTestServer } from './support/client-server';

/** The socket class is pluggable: the same client over SockJS (sockjs-client, in Node) against the server's SockJS transport. */
describe('client over SockJS', () => {
  let server: ClientTestServer;
  let snorky: Snorky<{ pubsub: typeof PubSub; calc: typeof RpcService }>;

  beforeAll(async () => {
    server = await startClientTestServer(0, { frontend: { sockjsPrefix: '/sockjs' } });
  });
  afterEach(() => snorky?.disconnect());
  afterAll(() => server.close());

  it('calls, subscribes and receives publications', async () => {
    snorky = new Snorky(`http://127.0.0.1:${server.port}/sockjs`, { pubsub: PubSub, calc: RpcService }, { socketClass: SockJS });
    // Queued before the SockJS session opens.
    const sum = snorky.services.calc.call('sum', { a: 2, b: 40 });
    await nextEvent(snorky.connected, 10000, 'SockJS connection');
    await expect(sum).resolves.toBe(42);
    await expect(snorky.services.calc.call('nope', {})).rejects.toThrow('Unknown command');
    await snorky.services.pubsub.subscribe({ channel: 'sockjs' });
    const received = nextEvent(snorky.services.pubsub.messagePublished);
    await backendCall(server.backendUrl, 'pubsub_backend', 'publish', { channel: 'sockjs', message: 'over sockjs' });
    expect((await received).message).toBe('over sockjs');
  });
});
