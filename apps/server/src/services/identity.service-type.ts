import { IsIn, IsNotEmpty, IsNumber, IsOptional, IsPositive, IsString, Max } from 'class-validator';
import { DEFAULT_IDENTITY_TTL, IdentityBackend, IdentityService, MAX_IDENTITY_TTL } from '@snorky/nest';
import { ServiceEntryConfig } from '../config/server-config';
import { ServiceType, serviceToken } from './service-type';

/** `{ "type": "identity", "name": "identity", "backend": "identity_backend", "ttl": 3600 }` (PROTOCOL §7). */
export class IdentityEntryConfig extends ServiceEntryConfig {
  @IsIn(['identity']) override type: 'identity';
  /** Name of the backend service issuing tokens (authorizeIdentity); unset = none. */
  @IsOptional() @IsString() @IsNotEmpty() backend?: string;
  /** Seconds a token stays valid when authorizeIdentity gives no ttl. */
  @IsOptional() @IsNumber() @IsPositive() @Max(MAX_IDENTITY_TTL) ttl: number = DEFAULT_IDENTITY_TTL;
}

export const identityServiceType: ServiceType<IdentityEntryConfig> = {
  config: IdentityEntryConfig,
  providers(entry) {
    const token = serviceToken('identity', entry.name);
    const frontend = { provide: token, useFactory: () => new IdentityService({ name: entry.name, ttl: entry.ttl }) };
    if (!entry.backend) return [frontend];
    const backendName = entry.backend;
    return [
      frontend,
      { provide: serviceToken('identity_backend', backendName), inject: [token], useFactory: (identity: IdentityService) => new IdentityBackend(identity, { name: backendName }) },
    ];
  },
};
