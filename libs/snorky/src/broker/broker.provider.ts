import { Provider } from '@nestjs/common';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import { SnorkyModuleOptions } from '../snorky-options';
import { Broker, LocalBroker } from './broker';

/** The broker engine is chosen by options alone: services get the same `Broker` either way. */
export const brokerProvider: Provider = {
  provide: Broker,
  inject: [SNORKY_OPTIONS],
  useFactory: (options: SnorkyModuleOptions): Broker => {
    if (options.cluster) throw new Error('cluster.redis: the Redis broker is not available in this build yet');
    return new LocalBroker();
  },
};
