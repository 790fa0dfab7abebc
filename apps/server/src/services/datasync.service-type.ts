import { Type } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { createDeclarativeDealer, DataSyncBackend, DataSyncService, DECLARATIVE_DEALER_TYPES, DeclarativeDealerSpec } from '@snorky/nest';
import { ServiceEntryConfig } from '../config/server-config';
import { ServiceType, serviceToken } from './service-type';

const FIELD = /^[^.]+(\.[^.]+)*$/;

/** One entry of a datasync service's `dealers` (README / docs/datasync.md: declarative dealers). */
export class DealerEntryConfig {
  @IsString() @IsNotEmpty() name: string;
  @IsString() @IsNotEmpty() model: string;
  @IsIn(DECLARATIVE_DEALER_TYPES) type: DeclarativeDealerSpec['type'];
  /** simple dealers only: the (dotted) field whose value subscriptions' queries are compared with. */
  @ValidateBy({
    name: 'dealerKey',
    validator: {
      validate: (key: unknown, args) =>
        (args?.object as DealerEntryConfig).type === 'simple' ? typeof key === 'string' && FIELD.test(key) : key === undefined,
      defaultMessage: (args) =>
        (args?.object as DealerEntryConfig).type === 'simple'
          ? 'key is required for a simple dealer: a field name, dotted for nested fields (e.g. "owner.id")'
          : 'key is only for simple dealers',
    },
  })
  key?: string;
}

export class DataSyncEntryConfig extends ServiceEntryConfig {
  @IsIn(['datasync']) override type: 'datasync';
  /** Name of the backend service (authorizeSubscription, publishDeltas); unset = none. */
  @IsOptional() @IsString() @IsNotEmpty() backend?: string;
  /** Seconds an authorized subscription waits to be acquired. */
  @IsOptional() @IsNumber() @IsPositive() unacquiredTimeout: number = 120;
  /** Deltas kept per unacquired subscription; beyond that it is cancelled. */
  @IsOptional() @IsInt() @Min(1) maxBufferedDeltas?: number;
  /** Seconds a publishDeltas batch id is remembered for deduplication (default 900). */
  @IsOptional() @IsNumber() @IsPositive() batchDedupWindow?: number;
  /** Seconds a resumable subscription can be resumed after its connection is gone (default 300). */
  @IsOptional() @IsNumber() @IsPositive() resumeWindow?: number;
  /** Batches kept in the journal at most (default 100 000). */
  @IsOptional() @IsInt() @Min(1) journalMaxEntries?: number;
  /** Seconds between `position` notifications to resumable connections (default 15). */
  @IsOptional() @IsNumber() @IsPositive() positionInterval?: number;
  @IsArray()
  @ArrayUnique((d: DealerEntryConfig) => d?.name, { message: 'dealer names must be unique' })
  @ValidateNested({ each: true })
  @Type(() => DealerEntryConfig)
  dealers: DealerEntryConfig[] = [];
}

export const datasyncServiceType: ServiceType<DataSyncEntryConfig> = {
  config: DataSyncEntryConfig,
  providers(entry) {
    const token = serviceToken('datasync', entry.name);
    const frontend = {
      provide: token,
      useFactory: () => {
        const service = new DataSyncService({
          name: entry.name,
          unacquiredTimeout: entry.unacquiredTimeout,
          maxBufferedDeltas: entry.maxBufferedDeltas,
          batchDedupWindow: entry.batchDedupWindow,
          resumeWindow: entry.resumeWindow,
          journalMaxEntries: entry.journalMaxEntries,
          positionInterval: entry.positionInterval,
        });
        for (const dealer of entry.dealers) service.registerDealer(createDeclarativeDealer(dealer as DeclarativeDealerSpec));
        return service;
      },
    };
    if (!entry.backend) return [frontend];
    const backendName = entry.backend;
    return [
      frontend,
      {
        provide: serviceToken('datasync_backend', backendName),
        inject: [token],
        useFactory: (datasync: DataSyncService) => new DataSyncBackend(datasync, { name: backendName }),
      },
    ];
  },
};
