import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { PubSubBackend, PubSubService } from '@snorky/nest';
import { ServiceEntryConfig } from '../config/server-config';
import { ServiceType, serviceToken } from './service-type';

export class PubSubEntryConfig extends ServiceEntryConfig {
  @IsIn(['pubsub']) override type: 'pubsub';
  /** Name of the backend service that publishes on it; unset = no backend service. */
  @IsOptional() @IsString() @IsNotEmpty() backend?: string;
  /** false: browsers may only subscribe; only the backend publishes. */
  @IsOptional() @IsBoolean() frontendPublish: boolean = true;
}

export const pubsubServiceType: ServiceType<PubSubEntryConfig> = {
  config: PubSubEntryConfig,
  providers(entry) {
    const token = serviceToken('pubsub', entry.name);
    const frontend = { provide: token, useFactory: () => new PubSubService({ name: entry.name, frontendPublish: entry.frontendPublish }) };
    if (!entry.backend) return [frontend];
    const backendName = entry.backend;
    return [
      frontend,
      { provide: serviceToken('pubsub_backend', backendName), inject: [token], useFactory: (pubsub: PubSubService) => new PubSubBackend(pubsub, { name: backendName }) },
    ];
  },
};
