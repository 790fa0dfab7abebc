import { ConnectionLostError, PubSub, RpcService, Snorky, type DisconnectedEvent, type ReconnectingEvent } from '@snorky/client';
import { backendCall, connectClient, createClient, nextEvent, record, startClientTestServer, waitFor, type ClientTestServer } from './support/client-server';

/**
 * Reconnect against a real server that is stopped and started again at the
 * same port mid-test. (DataSync's subscriptionLost is in datasync.e2e-spec.ts.)
 */
describe('client reconnect', () => {
  let server: ClientTestServer;
  const clients: Snorky<any>[] = [];

  beforeEach(async () => {
    server = await startClientTestServer();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await server.close();
  });

  async function restartServer(downForMs = 150): Promise<void> {
    const port = server.port;
    await server.close();
    await new Promise((r) => setTimeout(r, downForMs));
    server = await startClientTestServer(port);
  }

  it('reconnects by itself, restores PubSub subscriptions, and rejects calls that were in flight', async () => {
    const snorky = await connectClient(server.wsUrl, { pubsub: PubSub, calc: RpcService });
    clients.push(snorky);
    const pubsub = snorky.services.pubsub;
    await pubsub.subscribe({ channel: 'news' });
    await pubsub.subscribe({ channel: { room: 1 } });
    const disconnects = record(snorky.disconnected);
    const retries = record(snorky.reconnecting);
    const inFlight = snorky.services.calc.call('hang', {}).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 30));

    const reconnected = nextEvent(snorky.connected, 10000, 'reconnection');
    const restored = nextEvent(pubsub.subscriptionsRestored, 10000, 'subscriptionsRestored');
    await restartServer(300);

    const lost = await inFlight;
    expect(lost).toBeInstanceOf(ConnectionLostError);
    expect((lost as Error).message).toContain('"hang"');
    expect(await reconnected).toEqual({ reconnected: true });
    expect(snorky.isConnected).toBe(true);
    expect(await restored).toEqual({ restored: expect.arrayContaining(['news', { room: 1 }]), failed: [] });
    expect(disconnects[0]).toMatchObject<Partial<DisconnectedEvent>>({ wasConnected: true, byClient: false, willReconnect: true });
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries[0]).toMatchObject<Partial<ReconnectingEvent>>({ attempt: 1 });

    // The restored subscriptions work: the backend publishes, the client receives.
    const received = nextEvent(pubsub.messagePublished, 5000, 'publication after reconnect');
    await backendCall(server.backendUrl, 'pubsub_backend', 'publish', { channel: { room: 1 }, message: 'back again' });
    expect((await received).message).toBe('back again');
    // And the connection serves new calls.
    await expect(pubsub.publish({ channel: 'news', message: 'x' })).resolves.toBeNull();
  });

  it('backs off with growing delays while the server is down, and sends calls made meanwhile once back', async () => {
    const snorky = await connectClient(server.wsUrl, { calc: RpcService }, { reconnect: { initialDelay: 20, maxDelay: 200, factor: 2, jitter: 0 } });
    clients.push(snorky);
    const retries = record(snorky.reconnecting);
    const port = server.port;
    await server.close();
    await waitFor(() => retries.length >= 5, 'five reconnect attempts');
    expect(retries.slice(0, 5).map((r) => r.delay)).toEqual([20, 40, 80, 160, 200]);
    expect(snorky.isConnecting).toBe(true);

    const queued = snorky.services.calc.call('sum', { a: 1, b: 2 });
    expect(snorky.queuedMessages).toBe(1);
    server = await startClientTestServer(port);
    await expect(queued).resolves.toBe(3);
  });

  it('stops reconnecting after disconnect()', async () => {
    const snorky = await connectClient(server.wsUrl, { pubsub: PubSub });
    const retries = record(snorky.reconnecting);
    await snorky.services.pubsub.subscribe({ channel: 'news' });
    const port = server.port;
    await server.close();
    await waitFor(() => retries.length >= 1, 'a reconnect attempt');
    snorky.disconnect();
    expect(snorky.state).toBe('closed');
    expect(snorky.services.pubsub.subscribedChannels).toEqual([]);
    server = await startClientTestServer(port);
    const attempts = retries.length;
    await new Promise((r) => setTimeout(r, 600));
    expect(retries.length).toBe(attempts);
    expect(snorky.isConnected).toBe(false);
  });

  it('does not reconnect with reconnect: false', async () => {
    const snorky = createClient(server.wsUrl, { pubsub: PubSub }, { reconnect: false });
    clients.push(snorky);
    await nextEvent(snorky.connected);
    const disconnected = nextEvent(snorky.disconnected);
    await server.close();
    expect(await disconnected).toMatchObject({ willReconnect: false });
    expect(snorky.state).toBe('closed');
  });
});
