import { Provider } from '@nestjs/common';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import { SnorkyModuleOptions } from '../snorky-options';
import { Broker, LocalBroker } from './broker';
import { RedisBroker } from './redis-broker';
import { LocalRoster, Roster } from './roster';
import { RedisRoster } from './redis-roster';

/**
 * The broker engine is chosen by options alone: services get the same `Broker` either way.
 * A cluster node connects before anything else starts, so an unreachable Redis is a start-up error.
 */
export const brokerProvider: Provider = {
  provide: Broker,
  inject: [SNORKY_OPTIONS],
  useFactory: async (options: SnorkyModuleOptions): Promise<Broker> => {
    if (!options.cluster) return new LocalBroker();
    const { redis, connectTimeout, keyPrefix } = options.cluster;
    if (typeof redis !== 'string' || !/^rediss?:\/\//.test(redis)) {
      throw new Error(`cluster.redis must be a redis:// URL (got ${JSON.stringify(redis)})`);
    }
    const broker = new RedisBroker({
      url: redis,
      keyPrefix,
      connectTimeoutMs: connectTimeout === undefined ? undefined : connectTimeout * 1000,
    });
    await broker.connect();
    return broker;
  },
};

/** The roster follows the broker: in Redis when the broker is, sharing its command connection. */
export const rosterProvider: Provider = {
  provide: Roster,
  inject: [Broker, SNORKY_OPTIONS],
  useFactory: async (broker: Broker, options: SnorkyModuleOptions): Promise<Roster> => {
    if (!(broker instanceof RedisBroker)) return new LocalRoster();
    const { nodeTimeout, heartbeatInterval } = options.cluster ?? {};
    const roster = new RedisRoster(broker.publisher, {
      keyPrefix: broker.keyPrefix,
      nodeTimeoutMs: nodeTimeout === undefined ? undefined : nodeTimeout * 1000,
      heartbeatMs: heartbeatInterval === undefined ? undefined : heartbeatInterval * 1000,
    });
    await roster.start();
    return roster;
  },
};
