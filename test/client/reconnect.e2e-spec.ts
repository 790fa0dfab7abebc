import { ArrayCollection, CollectionDeltaProcessor, ConnectionLostError, DataSync, PubSub, RpcService, Snorky, type DisconnectedEvent, type ReconnectingEvent } from '@snorky/client';
import { backendCall, connectClient, createClient, nextEvent, record, startClientTestServer as startServer, waitFor, type ClientTestServer } from './support/client-server';
import { DATASYNC_PROVIDERS, datasyncBackend } from './support/datasync-fixtures';

const startClientTestServer = (port = 0) => startServer(port, { providers: DATASYNC_PROVIDERS });

/** Reconnect against a real server that is stopped and started again at the same port mid-test. */
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

  it('reconnects by itself, restores PubSub, reports lost DataSync subscriptions, rejects calls in flight', async () => {
    const snorky = await connectClient(server.wsUrl, { pubsub: PubSub, datasync: DataSync, calc: RpcService });
    clients.push(snorky);
    const pubsub = snorky.services.pubsub;
    const datasync = snorky.services.datasync;
    await pubsub.subscribe({ channel: 'news' });
    await pubsub.subscribe({ channel: { room: 1 } });
    const firstToken = await datasyncBackend(server.backendUrl).authorize([{ dealer: 'AllTodos', query: null }]);
    await datasync.acquireSubscription({ token: firstToken });
    const lostSubscriptions = record(datasync.subscriptionLost);
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

    // The spent DataSync token cannot come back: the app is told, refetches and subscribes again.
    expect(lostSubscriptions).toEqual([{ token: firstToken, reason: 'Cannot resume subscription' }]); // the server restarted: its journal with it
    expect(datasync.activeSubscriptions).toEqual([]);
    const backend = datasyncBackend(server.backendUrl);
    const token = await backend.authorize([{ dealer: 'AllTodos', query: null }]);
    const todos: { id: number; title: string }[] = [];
    new CollectionDeltaProcessor({ Todo: new ArrayCollection(todos) }).listenTo(datasync);
    await datasync.acquireSubscription({ token });
    await backend.publish({ type: 'insert', model: 'Todo', data: { id: 1, title: 'after reconnect' } });
    await waitFor(() => todos.length === 1, 'a delta on the new subscription');
    expect(todos).toEqual([{ id: 1, title: 'after reconnect' }]);
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

  it('reports a subscription whose acquisition was in flight as lost, after rejecting the call', async () => {
    const snorky = await connectClient(server.wsUrl, { datasync: DataSync });
    clients.push(snorky);
    const token = await datasyncBackend(server.backendUrl).authorize([{ dealer: 'AllTodos', query: null }]);
    const lost = nextEvent(snorky.services.datasync.subscriptionLost, 10000, 'subscriptionLost');
    // Sent, then the server dies in the same tick: it never answers.
    const acquisition = snorky.services.datasync.acquireSubscription({ token }).catch((e: unknown) => e);
    const port = server.port;
    const closed = server.close();
    expect(await acquisition).toBeInstanceOf(ConnectionLostError);
    await closed;
    server = await startClientTestServer(port);
    expect(await lost).toEqual({ token, reason: 'notResumable' });
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

    // connect() after disconnect() is a fresh session.
    snorky.connect();
    expect(await nextEvent(snorky.connected)).toEqual({ reconnected: false });
    snorky.disconnect();
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
