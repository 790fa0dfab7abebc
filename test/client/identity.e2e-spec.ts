import SockJS from 'sockjs-client';
import { Client, IdentityBackend, IdentityService, PubSubService, SnorkyService } from '@snorky/nest';
import { Identity, PubSub, RpcCallError, RpcService, Snorky } from '@snorky/client';
import { SnorkyBackend } from '@snorky/backend';
import { WhoAmIService } from '../identity/support/identity-fixtures';
import { createClient, nextEvent, record, startClientTestServer, type ClientTestServer } from './support/client-server';

/** A pub/sub only signed-in connections may subscribe to: a restore sent before authenticate would fail. */
@SnorkyService('members')
class MembersOnly extends PubSubService {
  override canSubscribe(client: Client): boolean {
    return client.identity !== undefined;
  }
}

const PROVIDERS = [IdentityService, IdentityBackend, WhoAmIService, MembersOnly];
const SERVICES = { whoami: RpcService, members: PubSub };

/** The client SDK's `identityToken` (PROTOCOL §7): authenticate first, on every connection. */
describe('client identityToken', () => {
  let server: ClientTestServer;
  const clients: Snorky<any>[] = [];
  const tokenFor = (identity: unknown) => new SnorkyBackend({ url: server.backendUrl, key: 'test-key' }).authorizeIdentity(identity);

  beforeEach(async () => {
    server = await startClientTestServer(0, { providers: PROVIDERS, frontend: { sockjsPrefix: '/sockjs' } });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await server.close();
  });

  it('authenticates before the requests queued while connecting', async () => {
    const token = await tokenFor({ id: 7, name: 'ann' });
    const snorky = createClient(server.wsUrl, SERVICES, { identityToken: token });
    clients.push(snorky);
    const authenticated = nextEvent(snorky.authenticated, 5000, 'authenticated');
    // Queued before the socket opens: they must already run as ann.
    const first = snorky.services.whoami.call('whoami', {});
    const subscribed = snorky.services.members.subscribe({ channel: 'room' });
    expect(await authenticated).toEqual({ identity: { id: 7, name: 'ann' } });
    expect(await first).toEqual({ id: 7, name: 'ann' });
    await expect(subscribed).resolves.toBeNull();
  });

  it('asks the token function again at each reconnect, then restores subscriptions as that identity', async () => {
    const asked: number[] = [];
    const snorky = createClient(server.wsUrl, SERVICES, {
      // Async, as a page fetching a fresh token from its own backend would be.
      identityToken: async () => {
        asked.push(asked.length + 1);
        return tokenFor({ id: 8, round: asked.length });
      },
    });
    clients.push(snorky);
    const events = record(snorky.authenticated);
    await nextEvent(snorky.connected, 5000, 'connected');
    await snorky.services.members.subscribe({ channel: 'room' });

    const restored = nextEvent(snorky.services.members.subscriptionsRestored, 10000, 'subscriptionsRestored');
    const lost = nextEvent(snorky.disconnected, 5000, 'disconnected');
    const port = server.port;
    await server.close();
    await lost;
    // The new server knows no token of the old one: only a freshly asked token can work.
    server = await startClientTestServer(port, { providers: PROVIDERS, frontend: { sockjsPrefix: '/sockjs' } });
    const queued = snorky.services.whoami.call('whoami', {});
    expect(await restored).toEqual({ restored: ['room'], failed: [] });
    expect(await queued).toEqual({ id: 8, round: 2 });
    expect(asked).toEqual([1, 2]);
    expect(events).toEqual([{ identity: { id: 8, round: 1 } }, { identity: { id: 8, round: 2 } }]);
  });

  it('stays anonymous, and says why, when the token is refused or the function fails', async () => {
    const refused = createClient(server.wsUrl, SERVICES, { identityToken: 'forged', logger: quiet });
    clients.push(refused);
    const event = await nextEvent(refused.authenticated, 5000, 'authenticated');
    expect(event.error).toBeInstanceOf(RpcCallError);
    expect(event.error!.message).toBe('Invalid token');
    await expect(refused.services.whoami.call('whoami', {})).resolves.toBeNull();

    const failing = createClient(server.wsUrl, SERVICES, { identityToken: () => Promise.reject(new Error('no session')), logger: quiet });
    clients.push(failing);
    expect((await nextEvent(failing.authenticated, 5000, 'authenticated')).error!.message).toBe('no session');
    await expect(failing.services.whoami.call('whoami', {})).resolves.toBeNull();

    const none = createClient(server.wsUrl, SERVICES, { identityToken: () => null });
    clients.push(none);
    await expect(none.services.whoami.call('whoami', {})).resolves.toBeNull();
  });

  it('works over SockJS and with an Identity connector listed in the services map', async () => {
    const token = await tokenFor('sockjs-user');
    const snorky = new Snorky(`http://127.0.0.1:${server.port}/sockjs`, { ...SERVICES, identity: Identity }, { socketClass: SockJS, identityToken: token });
    clients.push(snorky);
    await expect(snorky.services.whoami.call('whoami', {})).resolves.toBe('sockjs-user');
    // The listed connector can authenticate again later (e.g. after signing in as someone else).
    await expect(snorky.services.identity.authenticate({ token: await tokenFor('other') })).resolves.toBe('other');
    await expect(snorky.services.whoami.call('whoami', {})).resolves.toBe('other');
  });
});

const quiet = { debug: () => undefined, warn: () => undefined, error: () => undefined };
