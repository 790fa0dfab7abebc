/**
 * RxJS view of the client's events, for Angular and Nest users:
 *
 *     fromSignal(snorky.services.pubsub.messagePublished).pipe(...)
 *
 * Only this file imports rxjs; the rest of the client does not need it.
 */
import { Observable } from 'rxjs';
import type { Channel, PubSub, PubSubMessage } from './pubsub';
import type { Delta, DeltaBatch } from './datasync/delta';
import type { SignalLike } from './signal';
import type { Snorky } from './snorky';
import { stableStringify } from './stable-stringify';

/** An Observable of a signal's dispatches; unsubscribing removes the listener. */
export function fromSignal<T>(signal: SignalLike<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const binding = signal.add((value) => subscriber.next(value));
    return () => binding.detach();
  });
}

/** The connection state: the current one first, then each change. */
export function connectionState(snorky: Snorky<any>): Observable<boolean> {
  return new Observable<boolean>((subscriber) => {
    subscriber.next(snorky.isConnected);
    const up = snorky.connected.add(() => subscriber.next(true));
    const down = snorky.disconnected.add(() => subscriber.next(false));
    return () => {
      up.detach();
      down.detach();
    };
  });
}

/** Messages published on one channel (compared by value), or on all when `channel` is omitted. */
export function publications<T = unknown>(pubsub: PubSub, ...channel: [Channel?]): Observable<PubSubMessage<T>> {
  const key = channel.length > 0 ? stableStringify(channel[0]) : null;
  return new Observable<PubSubMessage<T>>((subscriber) => {
    const binding = pubsub.messagePublished.add((message) => {
      if (key === null || stableStringify(message.channel) === key) subscriber.next(message as PubSubMessage<T>);
    });
    return () => binding.detach();
  });
}

/** Deltas of a DataSync connector, optionally of one model. */
export function deltas(datasync: { deltaReceived: SignalLike<Delta> }, model?: string): Observable<Delta> {
  return new Observable<Delta>((subscriber) => {
    const binding = datasync.deltaReceived.add((delta) => {
      if (model === undefined || delta.model === model) subscriber.next(delta);
    });
    return () => binding.detach();
  });
}

/** Batches of a DataSync connector (one per transaction, duplicates dropped), optionally of one subscription token. */
export function batches(datasync: { batchReceived: SignalLike<DeltaBatch> }, token?: string): Observable<DeltaBatch> {
  return new Observable<DeltaBatch>((subscriber) => {
    const binding = datasync.batchReceived.add((batch) => {
      if (token === undefined || batch.token === token) subscriber.next(batch);
    });
    return () => binding.detach();
  });
}
