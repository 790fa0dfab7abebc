import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

/** The standalone server's JSON config (README: "Standalone server config"). Durations in seconds. */
export class FrontendConfig {
  @IsOptional() @IsString() host: string = '0.0.0.0';
  @IsOptional() @IsInt() @Min(0) @Max(65535) port: number = 5800;
  @IsOptional() @IsString() @Matches(/^\//, { message: 'path must start with /' }) path: string = '/ws';
  @IsOptional() @IsInt() @Min(0) pingInterval?: number;
  @IsOptional() @IsArray() @IsString({ each: true }) allowedOrigins?: string[];
  @IsOptional() @IsString() @Matches(/^\//, { message: 'sockjsPrefix must start with /' }) sockjsPrefix?: string;
  @IsOptional() @IsInt() @Min(1) maxBufferedBytes?: number;
}

export class BackendConfig {
  @IsOptional() @IsString() host: string = '127.0.0.1';
  @IsOptional() @IsInt() @Min(0) @Max(65535) port: number = 5801;
  @IsOptional() @IsString() @Matches(/^\//, { message: 'path must start with /' }) path: string = '/backend';
  @IsOptional() @IsString() @IsNotEmpty() apiKey?: string;
  @IsOptional() @IsArray() @ArrayNotEmpty() @IsString({ each: true }) @IsNotEmpty({ each: true }) apiKeys?: string[];
}

export class ClusterConfig {
  @IsString() @Matches(/^rediss?:\/\//, { message: 'redis must be a redis:// URL' }) redis: string;
  /** Seconds start-up waits for Redis before failing (default 5). */
  @IsOptional() @IsNumber() @IsPositive() connectTimeout?: number;
  /** Prefix of every Redis key and channel; the same on every node of one cluster (default "snorky:"). */
  @IsOptional() @IsString() @IsNotEmpty() keyPrefix?: string;
  /** Seconds after which a silent node is dead and its names, members and cursors are removed (default 5). */
  @IsOptional() @IsNumber() @IsPositive() nodeTimeout?: number;
  /** Seconds between heartbeats (default 1); keep it well below nodeTimeout. */
  @IsOptional() @IsNumber() @IsPositive() heartbeatInterval?: number;
}

/** Per-connection limits and timeouts (README "Limits"); every one optional, 0 turns it off. */
export class LimitsConfig {
  @IsOptional() @IsInt() @Min(0) maxSubscriptions?: number;
  @IsOptional() @IsInt() @Min(0) maxChannelSize?: number;
  @IsOptional() @IsNumber() @Min(0) maxRequestsPerSecond?: number;
  @IsOptional() @IsInt() @Min(0) requestBurst?: number;
  @IsOptional() @IsInt() @Min(0) maxConnections?: number;
  @IsOptional() @IsNumber() @Min(0) frameTimeout?: number;
  @IsOptional() @IsNumber() @Min(0) headersTimeout?: number;
  @IsOptional() @IsNumber() @Min(0) requestTimeout?: number;
}

/** Common to every entry of `services`; each type adds its own keys (see service-types.ts). */
export class ServiceEntryConfig {
  @IsString() type: string;
  @IsString() @IsNotEmpty() name: string;
}

export class ServerConfig {
  @IsOptional() @ValidateNested() @Type(() => FrontendConfig) frontend: FrontendConfig = new FrontendConfig();
  @IsOptional() @ValidateNested() @Type(() => BackendConfig) backend: BackendConfig = new BackendConfig();
  @IsOptional() @IsInt() @Min(1) maxFrameSize?: number;
  @IsOptional() @ValidateNested() @Type(() => ClusterConfig) cluster?: ClusterConfig;
  @IsOptional() @ValidateNested() @Type(() => LimitsConfig) limits?: LimitsConfig;
  /** Seconds SIGTERM/SIGINT may take to drain before the process exits (default 10). */
  @IsOptional() @IsNumber() @Min(0) shutdownTimeout?: number;
  @IsArray() services: ServiceEntryConfig[];
}
