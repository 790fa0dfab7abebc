import { PubSub, Signal, Snorky, defaults, type Delta, type DeltaBatch, type PromiseClass, type SignalClass } from '@snorky/client';
import { digestSignalClass, installAngularJs, qPromiseClass, type QService, type RootScope } from '@snorky/client/angularjs';
import { batches, connectionState, deltas, fromSignal, publications } from '@snorky/client/rxjs';
import { take, toArray } from 'rxjs';

/**
 * AngularJS is not installed here; these stand-ins implement only the parts
 * of `$q` and `$rootScope` the adapter touches, recording what it does.
 */
function fakeQ(): QService & { deferred: number } {
  const q = {
    deferred: 0,
    defer<T>() {
      q.deferred++;
      let resolve!: (v: T | PromiseLike<T>) => void;
      let reject!: (r?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { resolve, reject, promise };
    },
  };
  return q;
}

function fakeRootScope(): RootScope & { digests: number } {
  const scope: RootScope & { digests: number } = {
    $$phase: null,
    digests: 0,
    $apply(fn: () => void) {
      if (scope.$$phase) throw new Error('$digest already in progress');
      scope.$$phase = '$apply';
      try {
        fn();
      } finally {
        scope.$$phase = null;
        scope.digests++;
      }
    },
  };
  return scope;
}

describe('AngularJS adapter', () => {
  it('makes promises through $q', async () => {
    const $q = fakeQ();
    const QPromise = qPromiseClass($q);
    await expect(new QPromise<number>((resolve) => resolve(42))).resolves.toBe(42);
    await expect(
      new QPromise<number>(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect($q.deferred).toBe(2);
  });

  it('dispatches events inside a digest, and directly when one is running', () => {
    const $rootScope = fakeRootScope();
    const DigestSignal = digestSignalClass($rootScope);
    const signal = new DigestSignal<number>();
    const phases: (string | null | undefined)[] = [];
    signal.add(() => phases.push($rootScope.$$phase));
    signal.dispatch(1);
    expect($rootScope.digests).toBe(1);
    $rootScope.$apply(() => signal.dispatch(2));
    expect($rootScope.digests).toBe(2);
    expect(phases).toEqual(['$apply', '$apply']);
  });

  it('registers a "Snorky" module whose run block switches the defaults', () => {
    const registered: { name: string; requires: string[]; block: unknown }[] = [];
    const angular = {
      module(name: string, requires: string[]) {
        return {
          run(block: unknown) {
            registered.push({ name, requires, block });
            return this;
          },
        };
      },
    };
    const target: { Promise: PromiseClass; Signal: SignalClass } = { Promise: defaults.Promise, Signal: defaults.Signal };
    installAngularJs(angular, target);
    expect(registered.map((r) => [r.name, r.requires])).toEqual([['Snorky', []]]);
    const block = registered[0].block as [string, string, (...deps: unknown[]) => void];
    expect(block.slice(0, 2)).toEqual(['$q', '$rootScope']);
    block[2](fakeQ(), fakeRootScope());
    expect(target.Promise).not.toBe(defaults.Promise);
    expect(new target.Signal<number>()).toBeInstanceOf(Signal);
    expect(target.Signal).not.toBe(Signal);
  });

  it('is picked up by a Snorky instance through Snorky.Promise / Snorky.Signal', () => {
    const saved = { Promise: Snorky.Promise, Signal: Snorky.Signal };
    const $rootScope = fakeRootScope();
    try {
      Snorky.Signal = digestSignalClass($rootScope);
      const snorky = new Snorky('ws://unused', { pubsub: PubSub }, { autoConnect: false });
      snorky.services.pubsub.messagePublished.add(() => undefined);
      snorky.services.pubsub.messagePublished.dispatch({ type: 'message', channel: 'c', message: 1 });
      expect($rootScope.digests).toBe(1);
    } finally {
      Snorky.Promise = saved.Promise;
      Snorky.Signal = saved.Signal;
    }
  });
});

describe('RxJS adapter', () => {
  it('turns a signal into an observable and detaches on unsubscribe', async () => {
    const signal = new Signal<number>();
    const collected = fromSignal(signal).pipe(take(2), toArray()).toPromise();
    signal.dispatch(1);
    signal.dispatch(2);
    expect(await collected).toEqual([1, 2]);
    expect(signal.getNumListeners()).toBe(0);
  });

  it('filters publications by channel value and deltas by model', async () => {
    const snorky = new Snorky('ws://unused', { pubsub: PubSub }, { autoConnect: false });
    const pubsub = snorky.services.pubsub;
    const got = publications(pubsub, { room: 1, floor: 2 }).pipe(take(1), toArray()).toPromise();
    pubsub.messagePublished.dispatch({ type: 'message', channel: 'other', message: 'no' });
    pubsub.messagePublished.dispatch({ type: 'message', channel: { floor: 2, room: 1 }, message: 'yes' });
    expect((await got)!.map((m) => m.message)).toEqual(['yes']);

    const deltaReceived = new Signal<Delta>();
    const todoDeltas = deltas({ deltaReceived }, 'Todo').pipe(take(1), toArray()).toPromise();
    deltaReceived.dispatch({ type: 'insert', model: 'Player', data: {} });
    deltaReceived.dispatch({ type: 'insert', model: 'Todo', data: { id: 1 } });
    expect((await todoDeltas)!.map((d) => d.model)).toEqual(['Todo']);

    const batchReceived = new Signal<DeltaBatch>();
    const ofA = batches({ batchReceived }, 'A').pipe(take(1), toArray()).toPromise();
    batchReceived.dispatch({ token: 'B', deltas: [] });
    batchReceived.dispatch({ token: 'A', position: { epoch: 'e', seq: 1 }, deltas: [] });
    expect((await ofA)!.map((b) => b.token)).toEqual(['A']);
  });

  it('reports the connection state, current value first', async () => {
    const snorky = new Snorky('ws://unused', {}, { autoConnect: false });
    const states = connectionState(snorky).pipe(take(2), toArray()).toPromise();
    snorky.disconnected.dispatch({ wasConnected: true, byClient: false, willReconnect: true });
    expect(await states).toEqual([false, false]);
  });
});
