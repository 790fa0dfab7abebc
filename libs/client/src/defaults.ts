import { Signal, type SignalClass } from './signal';

/**
 * A Promise class with the ES2015 constructor interface. AngularJS's `$q`
 * (through `qPromiseClass`) or any A+ library can stand in for it.
 */
export type PromiseClass = new <T>(
  executor: (resolve: (value: T | PromiseLike<T>) => void, reject: (reason?: unknown) => void) => void,
) => Promise<T>;

/**
 * Process-wide defaults, as `Snorky.Promise` / `Snorky.Signal` were in the
 * original. Framework adapters replace them once at start-up; a `Snorky`
 * instance may also override them through its options.
 */
export const defaults: { Promise: PromiseClass; Signal: SignalClass } = {
  Promise: globalThis.Promise as PromiseClass,
  Signal: Signal as SignalClass,
};
