import { Injectable } from '@nestjs/common';
import { PubSubBackend, PubSubService, SnorkyService } from '@snorky/nest';
import { PubSub, RpcCallError, Snorky, type PubSubMessage } from '@snorky/client';
import { backendCall, connectClient, nextEvent, record, startClientTestServer, waitFor, type ClientTestServer } from './support/client-server';

/** A "private" pub/sub: only the backend may publish. */
@SnorkyService('announcements')
class Announcements extends PubSubService {
  override canPublish(): boolean {
    return false;
  }
}

@Injectable()
@SnorkyService('announcements_backend', { registry: 'backend' })
class AnnouncementsBackend extends PubSubBackend {
  constructor(pubsub: Announcements) {
    super(pubsub);
  }
}

/** The PubSub connector against the real PubSub service (PROTOCOL §3). */
describe('client PubSub', () => {
  let server: ClientTestServer;
  let alice: Snorky<{ pubsub: typeof PubSub; announcements: typeof PubSub }>;
  let bob: Snorky<{ pubsub: typeof PubSub }>;

  beforeAll(async () => {
    server = await startClientTestServer(0, { providers: [Announcements, AnnouncementsBackend] });
  });
  beforeEach(async () => {
    alice = await connectClient(server.wsUrl, { pubsub: PubSub, announcements: PubSub });
    bob = await connectClient(server.wsUrl, { pubsub: PubSub });
  });
  afterEach(() => {
    alice.disconnect();
    bob.disconnect();
  });
  afterAll(() => server.close());

  it('delivers a publication to every subscriber, the publisher included', async () => {
    await alice.services.pubsub.subscribe({ channel: 'news' });
    await bob.services.pubsub.subscribe({ channel: 'news' });
    const toAlice = nextEvent(alice.services.pubsub.messagePublished);
    const toBob = nextEvent(bob.services.pubsub.messagePublished);
    await expect(alice.services.pubsub.publish({ channel: 'news', message: { text: 'hi' } })).resolves.toBeNull();
    const expected: PubSubMessage = { type: 'message', channel: 'news', message: { text: 'hi' } };
    expect(await toAlice).toEqual(expected);
    expect(await toBob).toEqual(expected);
  });

  it('receives what the backend publishes', async () => {
    await alice.services.pubsub.subscribe({ channel: { room: 7 } });
    const received = nextEvent(alice.services.pubsub.messagePublished);
    expect(await backendCall(server.backendUrl, 'pubsub_backend', 'publish', { channel: { room: 7 }, message: 'from backend' })).toEqual({
      type: 'response',
      data: null,
    });
    expect((await received).message).toBe('from backend');
  });

  it('stops delivering after unsubscribe and tracks its channels by value', async () => {
    const seen = record(alice.services.pubsub.messagePublished);
    await alice.services.pubsub.subscribe({ channel: { b: 2, a: 1 } });
    await alice.services.pubsub.subscribe({ channel: 'other' });
    expect(alice.services.pubsub.subscribedChannels).toEqual([{ b: 2, a: 1 }, 'other']);
    await alice.services.pubsub.unsubscribe({ channel: { a: 1, b: 2 } });
    expect(alice.services.pubsub.subscribedChannels).toEqual(['other']);
    await bob.services.pubsub.publish({ channel: { a: 1, b: 2 }, message: 'missed' });
    await bob.services.pubsub.publish({ channel: 'other', message: 'seen' });
    await waitFor(() => seen.length === 1, 'the publication on "other"');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.map((m) => m.message)).toEqual(['seen']);
  });

  it('surfaces the service errors as RpcCallError', async () => {
    await alice.services.pubsub.subscribe({ channel: 'twice' });
    await expect(alice.services.pubsub.subscribe({ channel: 'twice' })).rejects.toEqual(new RpcCallError('Already subscribed', 'pubsub', 'subscribe'));
    await expect(alice.services.pubsub.unsubscribe({ channel: 'never' })).rejects.toThrow('Not subscribed');
    await expect(alice.services.pubsub.subscribe({} as { channel: unknown })).rejects.toThrow('Invalid params');
  });

  it('connects to a private pub/sub: Not authorized to publish, backend publications arrive', async () => {
    const announcements = alice.services.announcements;
    await announcements.subscribe({ channel: 'all' });
    await expect(announcements.publish({ channel: 'all', message: 'spam' })).rejects.toEqual(new RpcCallError('Not authorized', 'announcements', 'publish'));
    const received = nextEvent(announcements.messagePublished);
    await backendCall(server.backendUrl, 'announcements_backend', 'publish', { channel: 'all', message: 'official' });
    expect(await received).toEqual({ type: 'message', channel: 'all', message: 'official' });
  });
});
