import { Injectable } from '@nestjs/common';
import { Client, PubSubBackend, PubSubService, SnorkyService } from '@snorky/nest';
import { backendCall, RunningSnorkyApp, startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';
import { MinimalPubSubService } from './examples/minimal-pubsub.service';

/** A "private" pub/sub (seed, "Pub Sub with backend"): only the backend publishes. */
@SnorkyService('announcements')
class PrivatePubSub extends PubSubService {
  override canPublish(_client: Client, _channel: unknown): boolean {
    return false;
  }
}

@Injectable()
@SnorkyService('announcements_backend', { registry: 'backend' })
class PrivatePubSubBackend extends PubSubBackend {
  constructor(pubsub: PrivatePubSub) {
    super(pubsub);
  }
}

/** PROTOCOL §3 over real sockets and the real backend endpoint. */
describe('PubSub', () => {
  let server: RunningSnorkyApp;
  let alice: TestSocket;
  let bob: TestSocket;

  beforeAll(async () => {
    server = await startSnorkyApp([PubSubService, PubSubBackend, PrivatePubSub, PrivatePubSubBackend, MinimalPubSubService]);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    alice = await TestSocket.open(server.wsUrl);
    bob = await TestSocket.open(server.wsUrl);
  });
  afterEach(async () => {
    await alice.close();
    await bob.close();
  });

  it('delivers a publication to every subscriber, the publisher included', async () => {
    expect((await alice.call('pubsub', 'subscribe', { channel: 'news' }, 0)).message).toEqual({ type: 'response', callId: 0, data: null });
    expect((await bob.call('pubsub', 'subscribe', { channel: 'news' }, 0)).message.data).toBeNull();
    alice.send({ service: 'pubsub', message: { command: 'publish', params: { channel: 'news', message: 'hi' }, callId: 1 } });
    const publication = { service: 'pubsub', message: { type: 'message', channel: 'news', message: 'hi' } };
    expect(await alice.next()).toEqual(publication);
    expect(await alice.next()).toEqual({ service: 'pubsub', message: { type: 'response', callId: 1, data: null } });
    expect(await bob.next()).toEqual(publication);
  });

  it('compares channels by value, whatever the key order', async () => {
    await alice.call('pubsub', 'subscribe', { channel: { room: 1, floor: [2, { a: 1, b: 2 }] } }, 0);
    await bob.call('pubsub', 'publish', { channel: { floor: [2, { b: 2, a: 1 }], room: 1 }, message: { text: 'x' } }, 0);
    expect((await alice.next()).message).toEqual({ type: 'message', channel: { floor: [2, { b: 2, a: 1 }], room: 1 }, message: { text: 'x' } });
    expect((await alice.call('pubsub', 'subscribe', { channel: { floor: [2, { b: 2, a: 1 }], room: 1 } }, 1)).message.message).toBe('Already subscribed');
  });

  it('does not deliver other channels, nor after unsubscribe', async () => {
    await alice.call('pubsub', 'subscribe', { channel: 'a' }, 0);
    await bob.call('pubsub', 'publish', { channel: 'b', message: 1 }, 0);
    expect((await alice.call('pubsub', 'unsubscribe', { channel: 'a' }, 1)).message).toEqual({ type: 'response', callId: 1, data: null });
    await bob.call('pubsub', 'publish', { channel: 'a', message: 2 }, 1);
    await alice.expectSilence(100);
  });

  it('answers Already subscribed, Not subscribed and Invalid params', async () => {
    await alice.call('pubsub', 'subscribe', { channel: 'c' }, 0);
    expect((await alice.call('pubsub', 'subscribe', { channel: 'c' }, 1)).message).toEqual({ type: 'error', callId: 1, message: 'Already subscribed' });
    expect((await alice.call('pubsub', 'unsubscribe', { channel: 'zzz' }, 2)).message).toEqual({ type: 'error', callId: 2, message: 'Not subscribed' });
    expect((await alice.call('pubsub', 'publish', { channel: 'c' }, 3)).message).toEqual({ type: 'error', callId: 3, message: 'Invalid params' });
    expect((await alice.call('pubsub', 'subscribe', {}, 4)).message).toEqual({ type: 'error', callId: 4, message: 'Invalid params' });
  });

  it('accepts null as a channel and as a message', async () => {
    await alice.call('pubsub', 'subscribe', { channel: null }, 0);
    expect((await alice.call('pubsub', 'publish', { channel: null, message: null }, 1)).message).toEqual({ type: 'message', channel: null, message: null });
    expect((await alice.next()).message).toEqual({ type: 'response', callId: 1, data: null });
  });

  it('drops the subscriptions of a client that disconnects', async () => {
    await bob.call('pubsub', 'subscribe', { channel: 'gone' }, 0);
    await bob.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(server.app.get(PubSubService).broker.localSubscriberCount('pubsub:pubsub:"gone"')).toBe(0);
    bob = await TestSocket.open(server.wsUrl);
    await bob.call('pubsub', 'subscribe', { channel: 'gone' }, 0); // a fresh connection starts with none
  });

  it('lets the backend publish on the frontend channels', async () => {
    await alice.call('pubsub', 'subscribe', { channel: 'news' }, 0);
    expect(await backendCall(server.backendUrl, 'pubsub_backend', 'publish', { channel: 'news', message: 'from backend' })).toEqual({ type: 'response', data: null });
    expect((await alice.next()).message).toEqual({ type: 'message', channel: 'news', message: 'from backend' });
  });

  it('refuses frontend publication on a private pub/sub but accepts the backend', async () => {
    await alice.call('announcements', 'subscribe', { channel: 'all' }, 0);
    expect((await bob.call('announcements', 'publish', { channel: 'all', message: 'spam' }, 0)).message).toEqual({ type: 'error', callId: 0, message: 'Not authorized' });
    await alice.expectSilence(100);
    await backendCall(server.backendUrl, 'announcements_backend', 'publish', { channel: 'all', message: 'official' });
    expect(await alice.next()).toEqual({ service: 'announcements', message: { type: 'message', channel: 'all', message: 'official' } });
  });

  it('runs the seed minimal pub/sub example', async () => {
    await alice.call('minimal_pubsub', 'subscribe', {}, 0);
    await bob.call('minimal_pubsub', 'subscribe', {}, 0);
    await bob.call('minimal_pubsub', 'unsubscribe', {}, 1);
    alice.send({ service: 'minimal_pubsub', message: { command: 'publish', params: { message: 'hello' }, callId: 1 } });
    expect(await alice.next()).toEqual({ service: 'minimal_pubsub', message: { type: 'publication', message: 'hello' } });
    expect((await alice.next()).message.type).toBe('response');
    await bob.expectSilence(100);
  });
});
