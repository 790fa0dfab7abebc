import { Broker, Client, PubSubBackend, PubSubService, SnorkyService } from '@snorky/nest';
import { backendCall, startSnorkyApp, type RunningSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';
import { TestAuthenticator, UserDirectory } from './support/identity-fixtures';

type User = { id: number; name: string } | undefined;

/**
 * Per-user channels: `user:<id>` only for that user; `slow:<id>` the same, decided asynchronously
 * (as a database lookup would); `lobby` for anyone signed in. Only signed-in users publish, on `lobby`.
 */
@SnorkyService('pubsub')
class UserChannels extends PubSubService {
  override canSubscribe(client: Client, channel: unknown): boolean | Promise<boolean> {
    const user = client.identity as User;
    if (typeof channel === 'string' && channel.startsWith('slow:')) {
      return new Promise((resolve) => setTimeout(() => resolve(channel === `slow:${user?.id}`), 150));
    }
    return user !== undefined && (channel === 'lobby' || channel === `user:${user.id}`);
  }

  override canPublish(client: Client, channel: unknown): boolean {
    return client.identity !== undefined && channel === 'lobby';
  }
}

/** PubSub's canSubscribe policy hook sees the connection's identity (PROTOCOL §3, §7). */
describe('PubSub canSubscribe', () => {
  let server: RunningSnorkyApp;
  const sockets: TestSocket[] = [];
  const open = async (secret?: string) => {
    const socket = await TestSocket.open(server.wsUrl, secret ? { headers: { 'X-Api-Key': secret } } : {});
    sockets.push(socket);
    return socket;
  };
  const subscribe = async (socket: TestSocket, channel: unknown) => (await socket.call('pubsub', 'subscribe', { channel }, 0)).message;
  const OK = { type: 'response', callId: 0, data: null };
  const REFUSED = { type: 'error', callId: 0, message: 'Not authorized' };

  beforeAll(async () => {
    // PubSubBackend publishes through whatever provides PubSubService: here the subclass.
    server = await startSnorkyApp([{ provide: PubSubService, useClass: UserChannels }, PubSubBackend, UserDirectory, TestAuthenticator], { frontend: { authenticator: TestAuthenticator } });
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });
  afterAll(() => server.close());

  it('lets a user subscribe to their own channel only, and delivers nothing from a refused one', async () => {
    const ann = await open('ann-session'); // id 1: the authenticator reads the X-Api-Key header
    expect(await subscribe(ann, 'user:1')).toEqual(OK);
    expect(await subscribe(ann, 'user:2')).toEqual(REFUSED);
    await backendCall(server.backendUrl, 'pubsub_backend', 'publish', { channel: 'user:2', message: 'secret' });
    await backendCall(server.backendUrl, 'pubsub_backend', 'publish', { channel: 'user:1', message: 'yours' });
    expect((await ann.next()).message).toEqual({ type: 'message', channel: 'user:1', message: 'yours' });
    await ann.expectSilence(100);
  });

  it('refuses anonymous connections where the policy says so', async () => {
    const anonymous = await open();
    expect(await subscribe(anonymous, 'lobby')).toEqual(REFUSED);
    expect((await anonymous.call('pubsub', 'publish', { channel: 'lobby', message: 'hi' }, 0)).message).toEqual(REFUSED);
    // a refused channel can be asked for again (nothing was kept)
    expect(await subscribe(anonymous, 'lobby')).toEqual(REFUSED);
  });

  it('waits for an async policy, and keeps nothing of a subscription whose client left meanwhile', async () => {
    const bob = await open('bob-key'); // id 2
    expect(await subscribe(bob, 'slow:2')).toEqual(OK);
    expect(await subscribe(bob, 'slow:1')).toEqual(REFUSED);
    expect(await subscribe(bob, 'slow:2')).toEqual({ type: 'error', callId: 0, message: 'Already subscribed' });

    const leaving = await open('bob-key');
    leaving.send({ service: 'pubsub', message: { command: 'subscribe', params: { channel: 'slow:2' }, callId: 0 } });
    await leaving.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // only bob's own subscription is left on the topic
    expect(server.app.get(Broker).localSubscriberCount('pubsub:pubsub:"slow:2"')).toBe(1);
  });
});
