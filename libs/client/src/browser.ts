/**
 * Entry of the browser bundle (`dist/snorky.min.js`). The global `Snorky` is
 * the connection class itself, as in the original Snorky.js, carrying every
 * other export as a property:
 *
 *     new Snorky('ws://host/ws', { pubsub: Snorky.PubSub, datasync: Snorky.DataSync })
 *     new Snorky.Snorky(...)                   // same class
 *     new Snorky.ArrayCollection(array)        // also Snorky.DataSync.ArrayCollection
 */
import * as client from './index';
import { digestSignalClass, installAngularJs, qPromiseClass, type AngularStatic } from './angularjs';

/** Replaced by the bundler with the package version. */
declare const __SNORKY_VERSION__: string | undefined;

const { Snorky, defaults: _defaults, ...rest } = client;
const Global = Object.assign(Snorky, rest, {
  Snorky,
  /** The original name of `RpcService`. */
  RPCService: client.RpcService,
  installAngularJs,
  qPromiseClass,
  digestSignalClass,
  version: typeof __SNORKY_VERSION__ === 'string' ? __SNORKY_VERSION__ : 'dev',
});

(globalThis as { Snorky?: unknown }).Snorky = Global;

// Like angular-snorky: loaded after angular.js, the "Snorky" module is ready to depend on.
const angular = (globalThis as { angular?: AngularStatic }).angular;
if (angular && typeof angular.module === 'function') installAngularJs(angular);
