import { ArrayCollection, CollectionDeltaProcessor, DataSync, SingleItemCollection, Signal, Snorky, type Delta, type DeltaBatch, type JournalPosition } from '@snorky/client';

interface Todo {
  id: number;
  title: string;
  color?: string;
}

const insert = (data: Todo): Delta<Todo> => ({ type: 'insert', model: 'Todo', data });
const update = (oldData: Todo, newData: Todo): Delta<Todo> => ({ type: 'update', model: 'Todo', oldData, newData });
const remove = (data: Todo): Delta<Todo> => ({ type: 'delete', model: 'Todo', data });

describe('CollectionDeltaProcessor with an ArrayCollection', () => {
  it('applies insert, update and delete to the array in place', () => {
    const todos: Todo[] = [{ id: 1, title: 'a' }];
    const processor = new CollectionDeltaProcessor({ Todo: new ArrayCollection(todos) });

    expect(processor.processDelta(insert({ id: 2, title: 'b' }))).toBe(true);
    expect(processor.processDelta(update({ id: 1, title: 'a' }, { id: 1, title: 'A' }))).toBe(true);
    expect(processor.processDelta(remove({ id: 2, title: 'b' }))).toBe(true);
    expect(todos).toEqual([{ id: 1, title: 'A' }]);
  });

  it('compares by id by default, also across number and string ids, and never matches missing ids', () => {
    const todos: any[] = [{ id: '7', title: 'x' }, { title: 'no id' }];
    const processor = new CollectionDeltaProcessor({ Todo: new ArrayCollection(todos) });
    processor.processDelta(remove({ id: 7, title: 'x' }));
    processor.processDelta({ type: 'delete', model: 'Todo', data: { title: 'no id' } });
    expect(todos).toEqual([{ title: 'no id' }]);
  });

  it('uses a custom itemsAreEqual, given the delta', () => {
    const todos = [{ id: 1, title: 'a' }, { id: 2, title: 'b' }];
    const seen: Delta[] = [];
    const processor = new CollectionDeltaProcessor(
      { Todo: new ArrayCollection(todos) },
      {
        itemsAreEqual: (item, other, delta) => {
          seen.push(delta);
          return item.title === other.title;
        },
      },
    );
    const d = remove({ id: 99, title: 'b' });
    processor.processDelta(d);
    expect(todos).toEqual([{ id: 1, title: 'a' }]);
    expect(seen[0]).toBe(d);
  });

  it('is idempotent by default: a repeated insert replaces, an update of an absent item inserts', () => {
    const todos: Todo[] = [{ id: 1, title: 'a' }];
    const processor = new CollectionDeltaProcessor({ Todo: new ArrayCollection(todos) });
    processor.processDelta(insert({ id: 1, title: 'a2' }));
    processor.processDelta(update({ id: 3, title: 'c' }, { id: 3, title: 'c2' }));
    processor.processDelta(remove({ id: 42, title: 'never there' }));
    expect(todos).toEqual([
      { id: 1, title: 'a2' },
      { id: 3, title: 'c2' },
    ]);
  });

  it('applies deltas literally with idempotent: false, like the original', () => {
    const todos: Todo[] = [{ id: 1, title: 'a' }];
    const processor = new CollectionDeltaProcessor({ Todo: new ArrayCollection(todos) }, { idempotent: false });
    processor.processDelta(insert({ id: 1, title: 'a' }));
    processor.processDelta(update({ id: 3, title: 'c' }, { id: 3, title: 'c2' }));
    expect(todos).toEqual([
      { id: 1, title: 'a' },
      { id: 1, title: 'a' },
    ]);
  });

  it('transforms inserted and updated items with transformItem', () => {
    class TodoModel {
      constructor(readonly id: number, readonly title: string) {}
      get shout() {
        return this.title.toUpperCase();
      }
    }
    const todos: TodoModel[] = [];
    const processor = new CollectionDeltaProcessor({
      Todo: new ArrayCollection<Todo, TodoModel>(todos, { transformItem: (t) => new TodoModel(t.id, t.title) }),
    });
    processor.processDelta(insert({ id: 1, title: 'a' }));
    expect(todos[0]).toBeInstanceOf(TodoModel);
    processor.processDelta(update({ id: 1, title: 'a' }, { id: 1, title: 'b' }));
    expect(todos[0]).toBeInstanceOf(TodoModel);
    expect(todos[0].shout).toBe('B');
  });

  it('reports deltas for unregistered models and does not touch other collections', () => {
    const todos: Todo[] = [];
    const unhandled: Delta[] = [];
    const processor = new CollectionDeltaProcessor({ Todo: new ArrayCollection(todos) }, { onUnhandledDelta: (d) => unhandled.push(d) });
    const d: Delta = { type: 'insert', model: 'Player', data: { id: 1 } };
    expect(processor.processDelta(d)).toBe(false);
    expect(unhandled).toEqual([d]);
    expect(todos).toEqual([]);
  });

  it('listens to a delta signal', () => {
    const todos: Todo[] = [];
    const processor = new CollectionDeltaProcessor({ Todo: new ArrayCollection(todos) });
    const deltaReceived = new Signal<Delta>();
    const binding = processor.listenTo({ deltaReceived });
    deltaReceived.dispatch(insert({ id: 1, title: 'a' }));
    binding.detach();
    deltaReceived.dispatch(insert({ id: 2, title: 'b' }));
    expect(todos).toEqual([{ id: 1, title: 'a' }]);
  });
});

describe('CollectionDeltaProcessor with batches', () => {
  const at = (seq: number, epoch = 'e1'): JournalPosition => ({ epoch, seq });

  it('applies a DataSync batch in one dispatch: no event ever sees half of it', () => {
    const todos: Todo[] = [];
    const seen: number[] = [];
    // Like an AngularJS digest after each event: what a view would render.
    class RenderingSignal<T> extends Signal<T> {
      override dispatch(value: T): void {
        super.dispatch(value);
        seen.push(todos.length);
      }
    }
    const snorky = new Snorky('ws://unused', { datasync: DataSync }, { autoConnect: false, Signal: RenderingSignal as any });
    const datasync = snorky.services.datasync;
    const applied: DeltaBatch[] = [];
    new CollectionDeltaProcessor({ Todo: new ArrayCollection(todos) }, { onBatchApplied: (batch) => applied.push(batch) }).listenTo(datasync);
    datasync.deltaReceived.add(() => undefined);
    const deltas = [insert({ id: 1, title: 'a' }), insert({ id: 2, title: 'b' }), insert({ id: 3, title: 'c' })];
    datasync.handleMessage({ type: 'deltas', token: 'T', position: at(1), deltas });
    expect(todos.map((t) => t.id)).toEqual([1, 2, 3]);
    expect(seen.filter((length) => length !== 0 && length !== 3)).toEqual([]);
    expect(applied).toEqual([{ token: 'T', position: at(1), deltas }]);
  });

  it('ignores a batch it already applied for that token, and calls onBatchApplied once per applied batch', () => {
    const todos: Todo[] = [];
    const applied: (JournalPosition | undefined)[] = [];
    const processor = new CollectionDeltaProcessor({ Todo: new ArrayCollection(todos) }, { idempotent: false, onBatchApplied: (b) => applied.push(b.position) });
    const deltaReceived = new Signal<Delta>();
    const batchReceived = new Signal<DeltaBatch>();
    processor.listenTo({ deltaReceived, batchReceived });
    batchReceived.dispatch({ token: 'T', position: at(4), deltas: [insert({ id: 1, title: 'a' })] });
    batchReceived.dispatch({ token: 'T', position: at(4), deltas: [insert({ id: 1, title: 'a' })] });
    batchReceived.dispatch({ token: 'T', position: at(3), deltas: [insert({ id: 0, title: 'old' })] });
    batchReceived.dispatch({ token: 'U', position: at(4), deltas: [insert({ id: 2, title: 'other subscription' })] });
    batchReceived.dispatch({ token: 'T', position: at(1, 'e2'), deltas: [insert({ id: 3, title: 'new epoch' })] });
    batchReceived.dispatch({ deltas: [insert({ id: 4, title: 'no position' })] });
    // Listening to batches, it does not apply the per-delta signal too.
    deltaReceived.dispatch(insert({ id: 4, title: 'no position' }));
    expect(todos.map((t) => t.id)).toEqual([1, 2, 3, 4]);
    expect(applied).toEqual([at(4), at(4), at(1, 'e2'), undefined]);
    expect(processor.processBatch({ token: 'T', position: at(1, 'e2'), deltas: [] })).toBe(false);
  });
});

describe('CollectionDeltaProcessor with tagged collections', () => {
  it('routes by the delta tag, as the original did', () => {
    const red: Todo[] = [];
    const blue: Todo[] = [];
    const processor = new CollectionDeltaProcessor({ Todo: { red: new ArrayCollection(red), blue: new ArrayCollection(blue) } });
    processor.processDelta({ ...insert({ id: 1, title: 'r' }), tag: 'red' });
    processor.processDelta({ ...insert({ id: 2, title: 'b' }), tag: 'blue' });
    expect(processor.processDelta({ ...insert({ id: 3, title: '?' }), tag: 'green' })).toBe(false);
    expect(processor.processDelta(insert({ id: 4, title: 'untagged' }))).toBe(false);
    expect(red.map((t) => t.id)).toEqual([1]);
    expect(blue.map((t) => t.id)).toEqual([2]);
  });

  it('routes by tagOf and moves an item whose update changes its tag', () => {
    const red: Todo[] = [];
    const blue: Todo[] = [];
    const processor = new CollectionDeltaProcessor(
      { Todo: { red: new ArrayCollection(red), blue: new ArrayCollection(blue) } },
      { tagOf: (item) => item.color },
    );
    processor.processDelta(insert({ id: 1, title: 'a', color: 'red' }));
    processor.processDelta(update({ id: 1, title: 'a', color: 'red' }, { id: 1, title: 'a!', color: 'red' }));
    expect(red).toEqual([{ id: 1, title: 'a!', color: 'red' }]);
    processor.processDelta(update({ id: 1, title: 'a!', color: 'red' }, { id: 1, title: 'a!', color: 'blue' }));
    expect(red).toEqual([]);
    expect(blue).toEqual([{ id: 1, title: 'a!', color: 'blue' }]);
    processor.processDelta(update({ id: 1, title: 'a!', color: 'blue' }, { id: 1, title: 'a!', color: 'green' }));
    expect(blue).toEqual([]);
  });
});

describe('SingleItemCollection', () => {
  function detail(initial: Todo | null) {
    const state = { item: initial as Todo | null, removed: 0 };
    const collection = new SingleItemCollection<Todo>(
      () => state.item,
      (value) => {
        state.item = value;
      },
      () => {
        state.item = null;
        state.removed++;
      },
    );
    return { state, processor: new CollectionDeltaProcessor({ Todo: collection }) };
  }

  it('updates and removes its item through the handlers', () => {
    const { state, processor } = detail({ id: 1, title: 'a' });
    processor.processDelta(update({ id: 1, title: 'a' }, { id: 1, title: 'b' }));
    expect(state.item).toEqual({ id: 1, title: 'b' });
    processor.processDelta(remove({ id: 2, title: 'other' }));
    expect(state.removed).toBe(0);
    processor.processDelta(remove({ id: 1, title: 'b' }));
    expect(state.removed).toBe(1);
    expect(state.item).toBeNull();
  });

  it('takes an insert when empty', () => {
    const { state, processor } = detail(null);
    processor.processDelta(insert({ id: 5, title: 'new' }));
    expect(state.item).toEqual({ id: 5, title: 'new' });
  });

  it('has an iterator that refuses use before next()', () => {
    const collection = new SingleItemCollection<Todo>(
      () => ({ id: 1, title: 'a' }),
      () => undefined,
    );
    const iterator = collection.getIterator();
    expect(() => iterator.update({ id: 1, title: 'x' })).toThrow('call next()');
    expect(iterator.hasNext()).toBe(true);
    iterator.next();
    expect(iterator.hasNext()).toBe(false);
    expect(() => iterator.next()).toThrow('exhausted');
  });
});

describe('ArrayCollection iterator', () => {
  it('removes while iterating without skipping elements', () => {
    const array = [1, 2, 3, 4];
    const iterator = new ArrayCollection<number>(array).getIterator();
    const seen: number[] = [];
    while (iterator.hasNext()) {
      const n = iterator.next();
      seen.push(n);
      if (n % 2 === 0) iterator.remove();
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(array).toEqual([1, 3]);
  });

  it('refuses to update a removed element', () => {
    const iterator = new ArrayCollection<number>([1]).getIterator();
    iterator.next();
    iterator.remove();
    expect(() => iterator.update(2)).toThrow('removed');
  });
});
