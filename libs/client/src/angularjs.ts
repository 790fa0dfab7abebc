/**
 * AngularJS adapter, the successor of angular-snorky: promises become `$q`
 * promises and every event runs inside a digest, so views update by
 * themselves. Include it, then depend on the `"Snorky"` module:
 *
 *     installAngularJs(angular);
 *     angular.module('app', ['Snorky']);
 *
 * (The browser bundle does the first line itself when `angular` is loaded first.)
 * Create the `Snorky` instance inside Angular (e.g. in a factory) so it
 * picks up the event class set at bootstrap.
 */
import { defaults, type PromiseClass } from './defaults';
import { Signal, type SignalClass } from './signal';

export interface QService {
  defer<T>(): { resolve(value: T | PromiseLike<T>): void; reject(reason?: unknown): void; promise: PromiseLike<T> };
}

export interface RootScope {
  $$phase?: string | null;
  $apply(fn: () => void): void;
}

export interface AngularStatic {
  module(name: string, requires: string[]): { run(block: unknown): unknown };
}

/** A constructor-shaped Promise class that returns `$q` promises. */
export function qPromiseClass($q: QService): PromiseClass {
  function QPromise<T>(executor: (resolve: (value: T | PromiseLike<T>) => void, reject: (reason?: unknown) => void) => void) {
    const deferred = $q.defer<T>();
    try {
      executor(
        (value) => deferred.resolve(value),
        (reason) => deferred.reject(reason),
      );
    } catch (error) {
      deferred.reject(error);
    }
    // Returning an object from a constructor makes `new QPromise(...)` evaluate to it.
    return deferred.promise;
  }
  return QPromise as unknown as PromiseClass;
}

/** An event class whose dispatch runs inside `$rootScope.$apply` (or directly when a digest is already running). */
export function digestSignalClass($rootScope: RootScope): SignalClass {
  class DigestSignal<T> extends Signal<T> {
    override dispatch(value: T): void {
      if ($rootScope.$$phase) super.dispatch(value);
      else $rootScope.$apply(() => super.dispatch(value));
    }
  }
  return DigestSignal as SignalClass;
}

/** Registers the `"Snorky"` AngularJS module, which switches the client defaults to `$q` and digest-aware events. */
export function installAngularJs(angular: AngularStatic, target: { Promise: PromiseClass; Signal: SignalClass } = defaults, moduleName = 'Snorky'): unknown {
  return angular.module(moduleName, []).run([
    '$q',
    '$rootScope',
    ($q: QService, $rootScope: RootScope) => {
      target.Promise = qPromiseClass($q);
      target.Signal = digestSignalClass($rootScope);
    },
  ]);
}
