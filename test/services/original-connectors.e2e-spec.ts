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

  it('Chat and Cursors refuse the original connectors until the connection is authenticated', async () => {
    const { snorky } = connect({ chat: 'Chat', cursors: 'Cursors' });
    await expect(snorky.services.chat.join({ channel: 'lobby' })).rejects.toMatchObject({ message: 'Not authenticated' });
    await expect(snorky.services.cursors.join({ document: 'doc' })).rejects.toMatchObject({ message: 'Not authenticated' });
  });
});
