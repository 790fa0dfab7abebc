import { Chat, Cursors, Messaging, Snorky, type ChatPresence } from '@snorky/client';
import { IdentityBackend, IdentityService } from '@snorky/nest';
import { QueryAuthenticator, SERVICE_PROVIDERS, urlAs } from '../services/support/test-services';
import { backendCall, connectClient, createClient, nextEvent, record, startClientTestServer, waitFor, type ClientTestServer } from './support/client-server';

const SERVICES = { messaging: Messaging, chat: Chat, cursors: Cursors };
const PROVIDERS = [...SERVICE_PROVIDERS, QueryAuthenticator, IdentityService, IdentityBackend];
const FRONTEND = { authenticator: QueryAuthenticator };

/** The Messaging, Chat and Cursors connectors (identity from the app's authenticator, PROTOCOL §7) against the real services (PROTOCOL §8–§10), reconnects included. */
describe('client Messaging, Chat, Cursors', () => {
  let server: ClientTestServer;
  const clients: Snorky<any>[] = [];

  beforeEach(async () => {
    server = await startClientTestServer(0, { providers: PROVIDERS, frontend: FRONTEND });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await server.close();
  });

  async function client(identity?: unknown, options = {}): Promise<Snorky<typeof SERVICES>> {
    // The identity travels in the handshake (the app's authenticator reads it), so a reconnect keeps it.
    const snorky = await connectClient(identity === undefined ? server.wsUrl : urlAs(server.wsUrl, identity), SERVICES, options);
    clients.push(snorky);
    return snorky;
  }

  async function restartServer(): Promise<void> {
    const port = server.port;
    await server.close();
    await new Promise((r) => setTimeout(r, 100));
    server = await startClientTestServer(port, { providers: PROVIDERS, frontend: FRONTEND });
  }

  it('Messaging: typed commands, messageReceived; names registered again after a reconnect, or reported lost', async () => {
    const alice = (await client()).services.messaging;
    const bob = (await client(undefined, { reconnect: { initialDelay: 1500, maxDelay: 1500, factor: 1, jitter: 0 } })).services.messaging;
    await alice.registerParticipant({ name: 'alice' });
    await bob.registerParticipant({ name: 'bob' });
    await bob.registerParticipant({ name: 'shared' });
    expect(await alice.listParticipants()).toEqual(['alice', 'bob', 'shared']);
    const toBob = nextEvent(bob.messageReceived);
    await alice.send({ sender: 'alice', dest: 'bob', body: { text: 'hi' } });
    expect(await toBob).toEqual({ type: 'message', sender: 'alice', dest: 'bob', body: { text: 'hi' } });
    await expect(alice.send({ sender: 'alice', dest: 'nobody', body: 1 })).rejects.toMatchObject({ message: 'Unknown destination' });

    const aliceRestored = nextEvent(alice.namesRestored, 5000, 'alice namesRestored');
    const bobRestored = nextEvent(bob.namesRestored, 8000, 'bob namesRestored');
    await restartServer();
    expect(await aliceRestored).toEqual({ restored: ['alice'], lost: [] });
    // bob reconnects late: meanwhile someone else took "shared"
    const thief = (await client()).services.messaging;
    await thief.registerParticipant({ name: 'shared' });
    const restored = await bobRestored;
    expect(restored.restored).toEqual(['bob']);
    expect(restored.lost.map((l) => [l.name, l.error.message])).toEqual([['shared', 'Name already registered']]);
    expect(bob.registeredNames).toEqual(['bob']);
    const toAlice = nextEvent(alice.messageReceived);
    await bob.send({ sender: 'bob', dest: 'alice', body: 'back' });
    expect((await toAlice).body).toBe('back');
  });

  it('Chat: the member list stays live (presenceChanged), messages and read receipts; joined again after a reconnect', async () => {
    const ann = { id: 1, name: 'ann' };
    const bob = { id: 2, name: 'bob' };
    const annPhone = (await client(ann)).services.chat;
    const annLaptop = (await client(ann)).services.chat;
    const bobChat = (await client(bob)).services.chat;
    await annPhone.join({ channel: 'lobby' });
    expect(annPhone.members('lobby')).toEqual([ann]);
    const presences = record<ChatPresence>(annPhone.presenceChanged);
    await bobChat.join({ channel: 'lobby' });
    await waitFor(() => annPhone.members('lobby').length === 2, 'bob in ann\'s member list');
    expect(presences.map((p) => [p.from, p.status])).toEqual([[bob, 'joined']]);
    await annLaptop.join({ channel: 'lobby' });
    expect(bobChat.members('lobby')).toEqual(expect.arrayContaining([bob, ann]));

    const toBob = nextEvent(bobChat.messageReceived);
    await annLaptop.send({ channel: 'lobby', body: 'hello' });
    expect(await toBob).toMatchObject({ type: 'message', from: ann, channel: 'lobby', body: 'hello' });
    const readByPhone = nextEvent(annPhone.readReceived);
    await annLaptop.read({ channel: 'lobby' });
    expect(await readByPhone).toMatchObject({ type: 'read', channel: 'lobby' });

    const restored = [bobChat, annPhone, annLaptop].map((chat) => nextEvent(chat.channelsRestored, 5000, 'channelsRestored'));
    await restartServer();
    for (const event of await Promise.all(restored)) expect(event.restored).toEqual(['lobby']);
    await waitFor(() => bobChat.members('lobby').length === 2, 'ann back in bob\'s list after every client rejoined');
    await annPhone.leave({ channel: 'lobby' });
    await annLaptop.leave({ channel: 'lobby' });
    await waitFor(() => bobChat.members('lobby').length === 1, 'ann gone from bob\'s list');
    expect(bobChat.members('lobby')).toEqual([bob]);
  });

  it('Cursors: a document keeps the others\' cursors live; own cursors created, updated, removed, and created again after a reconnect', async () => {
    const ann = (await client({ id: 'ann' })).services.cursors;
    const bob = (await client({ id: 'bob' })).services.cursors;
    const annDoc = await ann.join({ document: 'todo-1' });
    const bobDoc = await bob.join({ document: 'todo-1' });
    const cursor = annDoc.createCursor({ position: 3, status: 'editing' });
    const handle = await cursor.created;
    await waitFor(() => bobDoc.foreignCursors.length === 1, 'ann\'s cursor at bob');
    expect(bobDoc.foreignCursors[0]).toMatchObject({ publicHandle: handle, position: 3, status: 'editing', owner: { id: 'ann' }, isMine: false });
    await cursor.update({ position: 7 });
    await waitFor(() => bobDoc.foreignCursors[0]?.position === 7, 'the update at bob');
    expect(annDoc.ownCursors).toEqual([cursor]);

    const restored = nextEvent(ann.documentsRestored, 5000, 'documentsRestored');
    await restartServer();
    await restored;
    const newHandle = await cursor.created;
    expect(cursor.publicHandle).toBe(newHandle);
    await waitFor(() => bobDoc.foreignCursors.some((c) => c.publicHandle === newHandle && c.position === 7), 'ann\'s cursor created again, at bob').catch((err) => {
      throw new Error(`${err.message}: ${newHandle} ${JSON.stringify(bobDoc.cursors)} ${bob.document('todo-1') === bobDoc}`);
    });

    await cursor.remove();
    await waitFor(() => bobDoc.foreignCursors.length === 0, 'the removal at bob');
    expect(annDoc.cursors).toEqual([]);
  });

  it('a client that is not authenticated gets Not authenticated from Chat and Cursors', async () => {
    const anonymous = createClient(server.wsUrl, SERVICES);
    clients.push(anonymous);
    await expect(anonymous.services.chat.join({ channel: 'x' })).rejects.toMatchObject({ message: 'Not authenticated' });
    await expect(anonymous.services.cursors.join({ document: 'x' })).rejects.toMatchObject({ message: 'Not authenticated' });
  });

  it('a token identity (identityToken) is presented again after a dropped socket, before Chat rejoins', async () => {
    const ann = { id: 'ann' };
    const token = (await backendCall(server.backendUrl, 'identity_backend', 'authorizeIdentity', { identity: ann })).data;
    const snorky = await connectClient(server.wsUrl, { chat: Chat }, { identityToken: token });
    clients.push(snorky);
    expect(await snorky.services.chat.join({ channel: 'room' })).toEqual({ members: [ann] });
    const restored = nextEvent(snorky.services.chat.channelsRestored, 5000, 'channelsRestored');
    (snorky as any).socket.close(); // a network drop: the server forgets the connection, not the token
    const event = await restored;
    expect(event.failed).toEqual([]);
    expect(event.restored).toEqual(['room']);
    expect(snorky.services.chat.members('room')).toEqual([ann]);
  });
});
