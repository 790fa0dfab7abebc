import { IsIn, IsInt, IsOptional, Min } from 'class-validator';
import { CursorsService } from '@snorky/nest';
import { ServiceEntryConfig } from '../config/server-config';
import { ServiceType, serviceToken } from './service-type';

/** `{ "type": "cursors", "name": "cursors" }`: shared cursors in documents (PROTOCOL §10). */
export class CursorsEntryConfig extends ServiceEntryConfig {
  @IsIn(['cursors']) override type: 'cursors';
  /** Cursors one connection may hold at once (default 16). */
  @IsOptional() @IsInt() @Min(1) maxCursorsPerConnection?: number;
}

export const cursorsServiceType: ServiceType<CursorsEntryConfig> = {
  config: CursorsEntryConfig,
  providers: (entry) => [
    {
      provide: serviceToken('cursors', entry.name),
      useFactory: () => new CursorsService({ name: entry.name, maxCursorsPerConnection: entry.maxCursorsPerConnection }),
    },
  ],
};
