import { isDeepStrictEqual } from 'util';
import { ArrayCollection, CollectionDeltaProcessor, DataSync, PubSub, Snorky, type Delta } from '@snorky/client';
import { connectClient, nextEvent, record, startClientTestServer, waitFor, type ClientTestServer } from '../client/support/client-server';
import { DATASYNC_PROVIDERS, datasyncBackend } from '../client/support/datasync-fixtures';
import { PROTOTYPE_KEYS } from './support/hostile-target';

/** Every prototype-named key at the top and one level down, as JSON.parse builds it. */
const hostile = JSON.parse(
  JSON.stringify(Object.fromEntries(PROTOTYPE_KEYS.map((k, i) => [k, { [k]: i, inner: Object.fromEntries(PROTOTYPE_KEYS.map((j) => [j, j])) }]))),
);

/** The client SDK keeps keys named like Object.prototype members as data (PROTOCOL §1), in messages, channels and collections. */
describe('client SDK: JSON is data', () => {
  let server: ClientTestServer;
  let snorky: Snorky<{ pubsub: typeof PubSub; datasync: typeof DataSync }>;

  beforeAll(async () => {
    server = await startClientTestServer(0, { providers: DATASYNC_PROVIDERS });
  });
  beforeEach(async () => {
    snorky = await connectClient(server.wsUrl, { pubsub: PubSub, datasync: DataSync });
  });
  afterEach(() => snorky.disconnect());
  afterAll(() => server.close());

  it('receives published messages and channels with every prototype-named key, and tells such channels apart', async () => {
    const pubsub = snorky.services.pubsub;
    const plain = { room: 1 };
    const withProto = JSON.parse('{"room": 1, "__proto__": {"x": 1}}');
    await pubsub.subscribe({ channel: plain });
    await pubsub.subscribe({ channel: withProto }); // not "already subscribed", on either side
    expect(pubsub.subscribedChannels).toHaveLength(2);
    const received = nextEvent(pubsub.messagePublished);
    await pubsub.publish({ channel: withProto, message: hostile });
    const message = await received;
    expect(isDeepStrictEqual(message.channel, withProto)).toBe(true);
    expect(isDeepStrictEqual(message.message, hostile)).toBe(true);
    await pubsub.unsubscribe({ channel: withProto });
    expect(pubsub.subscribedChannels).toEqual([plain]);
  });

  it('applies deltas carrying prototype-named keys to collections unchanged, and ignores a model named like one', async () => {
    const backend = datasyncBackend(server.backendUrl);
    const todos: unknown[] = [];
    const unhandled: Delta[] = [];
    const processor = new CollectionDeltaProcessor({ Todo: new ArrayCollection(todos) }, { onUnhandledDelta: (d) => unhandled.push(d) });
    processor.listenTo(snorky.services.datasync);
    const deltas = record(snorky.services.datasync.deltaReceived);
    const token = await backend.authorize([{ dealer: 'AllTodos', query: null }]);
    await snorky.services.datasync.acquireSubscription({ token });
    const item = { id: 1, ...hostile };
    const updated = { id: 1, ...hostile, done: true };
    await backend.publish({ type: 'insert', model: 'Todo', data: item });
    await waitFor(() => deltas.length === 1, 'the insert');
    expect(isDeepStrictEqual(todos, [JSON.parse(JSON.stringify(item))])).toBe(true);
    await backend.publish({ type: 'update', model: 'Todo', oldData: item, newData: updated });
    await waitFor(() => deltas.length === 2, 'the update');
    expect(isDeepStrictEqual(todos, [JSON.parse(JSON.stringify(updated))])).toBe(true);
    for (const model of ['constructor', '__proto__', 'toString']) {
      expect(processor.processDelta({ type: 'insert', model, data: { id: 2 } } as Delta)).toBe(false);
    }
    expect(unhandled.map((d) => d.model)).toEqual(['constructor', '__proto__', 'toString']);
    expect(todos).toHaveLength(1);
  });
});
