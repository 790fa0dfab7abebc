import { ArrayCollection, CollectionDeltaProcessor, DataSync, RpcCallError, SingleItemCollection, Snorky, type Delta } from '@snorky/client';
import { connectClient, record, startClientTestServer, waitFor, type ClientTestServer } from './support/client-server';
import { DATASYNC_PROVIDERS, datasyncBackend } from './support/datasync-fixtures';

interface Todo {
  id: number;
  title: string;
  done?: boolean;
}

const insert = (data: Todo) => ({ type: 'insert', model: 'Todo', data });
const update = (oldData: Todo, newData: Todo) => ({ type: 'update', model: 'Todo', oldData, newData });
const remove = (data: Todo) => ({ type: 'delete', model: 'Todo', data });

/** DataSync connector + collections against the real DataSync services (PROTOCOL §4). */
describe('client DataSync', () => {
  let server: ClientTestServer;
  let backend: ReturnType<typeof datasyncBackend>;
  let snorky: Snorky<{ datasync: typeof DataSync }>;

  beforeAll(async () => {
    server = await startClientTestServer(0, { providers: DATASYNC_PROVIDERS });
    backend = datasyncBackend(server.backendUrl);
  });
  beforeEach(async () => {
    snorky = await connectClient(server.wsUrl, { datasync: DataSync });
  });
  afterEach(() => snorky.disconnect());
  afterAll(() => server.close());

  it('keeps an ArrayCollection in sync, including a delta sent between authorization and acquisition', async () => {
    // The web backend: authorize, then read the data; a change lands before the browser acquires the token.
    const token = await backend.authorize([{ dealer: 'AllTodos', query: null }]);
    const todos: Todo[] = [{ id: 1, title: 'buy milk' }];
    await backend.publish(insert({ id: 2, title: 'call mum' }));

    const processor = new CollectionDeltaProcessor({ Todo: new ArrayCollection(todos) });
    processor.listenTo(snorky.services.datasync);
    const deltas = record(snorky.services.datasync.deltaReceived);
    await expect(snorky.services.datasync.acquireSubscription({ token })).resolves.toEqual({ resumeToken: expect.any(String), position: { epoch: expect.any(String), seq: 1 } }); // resumable by default
    await waitFor(() => deltas.length === 1, 'the delta kept since authorization');
    expect(todos).toEqual([
      { id: 1, title: 'buy milk' },
      { id: 2, title: 'call mum' },
    ]);
    expect(snorky.services.datasync.activeSubscriptions).toEqual([token]);

    await backend.publish(update({ id: 1, title: 'buy milk' }, { id: 1, title: 'buy milk', done: true }));
    await backend.publish(remove({ id: 2, title: 'call mum' }), insert({ id: 3, title: 'water plants' }));
    await waitFor(() => deltas.length === 4, 'three live deltas');
    expect(todos).toEqual([
      { id: 1, title: 'buy milk', done: true },
      { id: 3, title: 'water plants' },
    ]);
    expect(deltas.map((d) => d.type)).toEqual(['insert', 'update', 'delete', 'insert']);
  });

  it('does not duplicate an item the initial read already contained', async () => {
    const token = await backend.authorize([{ dealer: 'AllTodos', query: null }]);
    await backend.publish(insert({ id: 10, title: 'already read' }));
    // This time the read happened after the insert: the kept delta repeats what the array has.
    const todos: Todo[] = [{ id: 10, title: 'already read' }];
    const deltas = record(snorky.services.datasync.deltaReceived);
    new CollectionDeltaProcessor({ Todo: new ArrayCollection(todos) }).listenTo(snorky.services.datasync);
    await snorky.services.datasync.acquireSubscription({ token });
    await waitFor(() => deltas.length === 1, 'the kept insert');
    expect(todos).toEqual([{ id: 10, title: 'already read' }]);
  });

  it('keeps a SingleItemCollection in sync through update and delete, ignoring other items', async () => {
    const token = await backend.authorize([{ dealer: 'TodoById', query: 7 }]);
    let current: Todo | null = { id: 7, title: 'detail' };
    let removed = false;
    const processor = new CollectionDeltaProcessor({
      Todo: new SingleItemCollection<Todo>(
        () => current,
        (value) => (current = value),
        () => {
          current = null;
          removed = true;
        },
      ),
    });
    const deltas = record(snorky.services.datasync.deltaReceived);
    processor.listenTo(snorky.services.datasync);
    await backend.publish(update({ id: 7, title: 'detail' }, { id: 7, title: 'detail v2' }));
    await snorky.services.datasync.acquireSubscription({ token });
    await waitFor(() => deltas.length === 1, 'the update kept since authorization');
    expect(current).toEqual({ id: 7, title: 'detail v2' });

    await backend.publish(update({ id: 8, title: 'other' }, { id: 8, title: 'other v2' }));
    await backend.publish(update({ id: 7, title: 'detail v2' }, { id: 7, title: 'detail v3' }));
    await waitFor(() => deltas.length === 2, 'the live update');
    expect(current).toEqual({ id: 7, title: 'detail v3' });

    await backend.publish(remove({ id: 7, title: 'detail v3' }));
    await waitFor(() => removed, 'the delete');
    expect(current).toBeNull();
    expect(deltas.every((d: Delta) => (d.type === 'update' ? d.newData.id : d.data.id) === 7)).toBe(true);
  });

  it('stops receiving deltas after cancelSubscription', async () => {
    const token = await backend.authorize([{ dealer: 'AllTodos', query: null }]);
    const deltas = record(snorky.services.datasync.deltaReceived);
    await snorky.services.datasync.acquireSubscription({ token });
    await backend.publish(insert({ id: 20, title: 'seen' }));
    await waitFor(() => deltas.length === 1, 'the first delta');
    await expect(snorky.services.datasync.cancelSubscription({ token })).resolves.toBeNull();
    expect(snorky.services.datasync.activeSubscriptions).toEqual([]);
    await backend.publish(insert({ id: 21, title: 'not seen' }));
    await new Promise((r) => setTimeout(r, 100));
    expect(deltas).toHaveLength(1);
  });

  it('rejects a spent or unknown token with the protocol text', async () => {
    const token = await backend.authorize([{ dealer: 'AllTodos', query: null }]);
    await snorky.services.datasync.acquireSubscription({ token });
    await expect(snorky.services.datasync.acquireSubscription({ token })).rejects.toEqual(
      new RpcCallError('No such subscription', 'datasync', 'acquireSubscription'),
    );
    await expect(snorky.services.datasync.call('acquireSubscription', { token: 5 as unknown as string })).rejects.toThrow('token must be string');
  });
});
