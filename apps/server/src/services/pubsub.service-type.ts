import { IsBoolean, IsIn, IsNotEmpty, IsNumber, IsOptional, IsPositive, IsString, Min } from 'class-validator';
import { PubSubBackend, PubSubService } from '@snorky/nest';
import { ServiceEntryConfig } from '../config/server-config';
import { ServiceType, serviceToken } from './service-type';

export class PubSubEntryConfig extends ServiceEntryConfig {
  @IsIn(['pubsub']) override type: 'pubsub';
  /** Name of the backend service that publishes on it; unset = no backend service. */
  @IsOptional() @IsString() @IsNotEmpty() backend?: string;
  /** false: browsers may only subscribe; only the backend publishes. */
  @IsOptional() @IsBoolean() frontendPublish: boolean = true;
  /** 'best-effort' (default; subscribers told channelLost on a loss) or 'journaled' (resumable; docs/scaling-out.md). */
  @IsOptional() @IsIn(['best-effort', 'journaled']) delivery?: 'best-effort' | 'journaled';
  /** Journaled delivery: seconds publications are kept (default 60). */
  @IsOptional() @IsNumber() @IsPositive() journalRetention?: number;
  /** Journaled delivery: seconds between `position` notifications to resumable connections (default 15; 0 = never). */
  @IsOptional() @IsNumber() @Min(0) positionInterval?: number;
}

export const pubsubServiceType: ServiceType<PubSubEntryConfig> = {
  config: PubSubEntryConfig,
  providers(entry) {
    const token = serviceToken('pubsub', entry.name);
    const frontend = { provide: token, useFactory: () => new PubSubService({
        name: entry.name,
        frontendPublish: entry.frontendPublish,
        delivery: entry.delivery,
        journalRetention: entry.journalRetention,
        positionInterval: entry.positionInterval,
      }) };
    if (!entry.backend) return [frontend];
    const backendName = entry.backend;
    return [
      frontend,
      { provide: serviceToken('pubsub_backend', backendName), inject: [token], useFactory: (pubsub: PubSubService) => new PubSubBackend(pubsub, { name: backendName }) },
    ];
  },
};
