import { backendOk } from '../cluster/support/cluster';
import { startStandaloneServer, StandaloneServer } from '../support/standalone-server';
import { loadOriginalSnorky } from './support/original-snorky';

/**
 * The original Snorky.js messaging.js, chat.js and cursors.js connectors, loaded unchanged from a
 * fetched copy of the original project, drive the standalone server configured with the three types.
 */
describe('original Snorky.js connectors against the standalone server', () => {
  let server: StandaloneServer;
  const open: any[] = [];

  beforeAll(async () => {
    server = await startStandaloneServer({
      services: [
        { type: 'messaging', name: 'messaging' },
        { type: 'chat', name: 'chat' },
        { type: 'cursors', name: 'cursors', maxCursorsPerConnection: 4 },
        { type: 'identity', name: 'identity', backend: 'identity_backend' },
      ],
    });
  });
  afterAll(async () => {
    for (const s of open) if (s.isConnected) s.disconnect();
    await server?.stop();
  });

  function connect(services: Record<string, string>): { snorky: any; Snorky: any } {
    const { Snorky, WebSocket } = loadOriginalSnorky();
    const classes = Object.fromEntries(Object.entries(services).map(([name, cls]) => [name, Snorky[cls]]));
    const snorky = new Snorky(WebSocket, server.frontendUrl, classes);
    open.push(snorky);
    return { snorky, Snorky };
  }

  function nextSignal(signal: any, timeoutMs = 5000): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('signal not dispatched in time')), timeoutMs);
      signal.addOnce((value: unknown) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  }

  it('Messaging: the original chat demo scenario (register, list, send both ways, Unknown destination once the other left)', async () => {
    const alice = connect({ messaging: 'Messaging' }).snorky.services.messaging;
    const bobSnorky = connect({ messaging: 'Messaging' }).snorky;
    const bob = bobSnorky.services.messaging;
    expect(await alice.registerParticipant({ name: 'Alice' })).toBeNull();
    expect(await bob.registerParticipant({ name: 'Bob' })).toBeNull();
    await expect(bob.registerParticipant({ name: 'Alice' })).rejects.toMatchObject({ message: 'Name already registered' });
    expect(await alice.listParticipants({})).toEqual(['Alice', 'Bob']);
    const toBob = nextSignal(bob.messageReceived);
    expect(await alice.send({ sender: 'Alice', dest: 'Bob', body: 'Hi, Bob.' })).toBeNull();
    expect(await toBob).toEqual({ type: 'message', sender: 'Alice', dest: 'Bob', body: 'Hi, Bob.' });
    const toAlice = nextSignal(alice.messageReceived);
    await bob.send({ sender: 'Bob', dest: 'Alice', body: 'Hi.' });
    expect((await toAlice).body).toBe('Hi.');
    const closed = nextSignal(bobSnorky.disconnected);
    bobSnorky.disconnect();
    await closed;
    await new Promise((r) => setTimeout(r, 100));
    await expect(alice.send({ sender: 'Alice', dest: 'Bob', body: 'Are you still there?' })).rejects.toMatchObject({ message: 'Unknown destination' });
    expect(await alice.unregisterParticipant({ name: 'Alice' })).toBeNull();
    expect(await alice.listParticipants({})).toEqual([]);
  });

  /** A page as a Django or Rails app serves it: the backend authorized the identity, the page presents the token. */
  async function signedIn(identity: unknown): Promise<any> {
    const { snorky } = connect({ identity: 'RPCService', chat: 'Chat', cursors: 'Cursors' });
    const token = await backendOk(server as any, 'identity_backend', 'authorizeIdentity', { identity });
    expect(await snorky.services.identity.rpcCall('authenticate', { token })).toEqual(identity);
    return snorky.services;
  }

  it('Chat and Cursors refuse the original connectors until the connection is authenticated', async () => {
    const { snorky } = connect({ chat: 'Chat', cursors: 'Cursors' });
    await expect(snorky.services.chat.join({ channel: 'lobby' })).rejects.toMatchObject({ message: 'Not authenticated' });
    await expect(snorky.services.cursors.join({ document: 'doc' })).rejects.toMatchObject({ message: 'Not authenticated' });
  });

  it('Chat: join with members, presenceReceived, messageReceived, readReceived, leave', async () => {
    const ann = { id: 1, name: 'ann' };
    const bob = { id: 2, name: 'bob' };
    const annPhone = (await signedIn(ann)).chat;
    const annLaptop = (await signedIn(ann)).chat;
    const bobChat = (await signedIn(bob)).chat;
    expect(await annPhone.join({ channel: 'lobby' })).toEqual({ members: [ann] });
    const presence = nextSignal(annPhone.presenceReceived);
    const joined = await bobChat.join({ channel: 'lobby' });
    expect(joined.members).toEqual(expect.arrayContaining([ann, bob]));
    expect(await presence).toMatchObject({ type: 'presence', from: bob, channel: 'lobby', status: 'joined' });
    await annLaptop.join({ channel: 'lobby' });
    const toBob = nextSignal(bobChat.messageReceived);
    expect(await annPhone.send({ channel: 'lobby', body: 'hi' })).toBeNull();
    expect(await toBob).toMatchObject({ type: 'message', from: ann, channel: 'lobby', body: 'hi', timestamp: expect.any(String) });
    const read = nextSignal(annLaptop.readReceived);
    expect(await annPhone.read({ channel: 'lobby' })).toBeNull();
    expect(await read).toMatchObject({ type: 'read', channel: 'lobby' });
    await annPhone.leave({ channel: 'lobby' });
    const left = nextSignal(bobChat.presenceReceived);
    await annLaptop.leave({ channel: 'lobby' });
    expect(await left).toMatchObject({ from: ann, status: 'left' });
    await expect(annLaptop.leave({ channel: 'lobby' })).rejects.toMatchObject({ message: 'Not joined' });
  });

  it('Cursors: the original Document keeps foreign cursors live; own cursors created, updated, removed', async () => {
    const ann = (await signedIn({ id: 'ann' })).cursors;
    const bob = (await signedIn({ id: 'bob' })).cursors;
    const annDoc = await ann.join({ document: 'todo-1' });
    const bobDoc = await bob.join({ document: 'todo-1' });
    const added = nextSignal(bobDoc.cursorAdded);
    const [cursor, created] = annDoc.createCursor({ position: 3, status: 'editing' });
    await created;
    expect(Number.isInteger(cursor.publicHandle)).toBe(true);
    expect(await added).toMatchObject({ publicHandle: cursor.publicHandle, document: 'todo-1', position: 3, status: 'editing', owner: { id: 'ann' } });
    expect(bobDoc.cursors).toHaveLength(1);
    const updated = nextSignal(bobDoc.cursorUpdated);
    await cursor.update({ position: 8 });
    // (the original dispatches the cursor object it replaced; the document holds the new one)
    expect((await updated).publicHandle).toBe(cursor.publicHandle);
    expect(bobDoc.cursors[0].position).toBe(8);
    const late = (await signedIn({ id: 'carl' })).cursors;
    expect((await late.join({ document: 'todo-1' })).cursors.map((c: any) => c.position)).toEqual([8]);
    const removed = nextSignal(bobDoc.cursorRemoved);
    await cursor.remove();
    expect((await removed).publicHandle).toBe(cursor.publicHandle);
    expect(bobDoc.cursors).toHaveLength(0);
  });
});
