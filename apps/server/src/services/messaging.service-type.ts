import { IsIn } from 'class-validator';
import { MessagingService } from '@snorky/nest';
import { ServiceEntryConfig } from '../config/server-config';
import { ServiceType, serviceToken } from './service-type';

/** `{ "type": "messaging", "name": "messaging" }`: one-to-one messages between registered names (PROTOCOL §8). */
export class MessagingEntryConfig extends ServiceEntryConfig {
  @IsIn(['messaging']) override type: 'messaging';
}

export const messagingServiceType: ServiceType<MessagingEntryConfig> = {
  config: MessagingEntryConfig,
  providers: (entry) => [{ provide: serviceToken('messaging', entry.name), useFactory: () => new MessagingService({ name: entry.name }) }],
};
