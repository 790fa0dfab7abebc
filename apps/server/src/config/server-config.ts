import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsBoolean,
  IsIn,
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
  ValidateBy,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';

/** A path starting with '/', or false to turn the endpoint off. */
function IsPathOrFalse(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPathOrFalse',
      validator: {
        validate: (value: unknown) => value === false || (typeof value === 'string' && value.startsWith('/')),
        defaultMessage: (args) => `${args?.property} must be a path starting with / or false`,
      },
    },
    options,
  );
}

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

/** The operator's endpoints on the backend listener (README "Operating Snorky"). */
export class OperationsConfig {
  @IsOptional() @IsPathOrFalse() health?: string | false;
  @IsOptional() @IsPathOrFalse() ready?: string | false;
  @IsOptional() @IsPathOrFalse() metrics?: string | false;
  @IsOptional() @IsPathOrFalse() admin?: string | false;
  /** Seconds between two reports of a node's figures to the admin page (default 2). */
  @IsOptional() @IsNumber() @IsPositive() reportInterval?: number;
}

export const LOG_FORMATS = ['text', 'json'] as const;
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'verbose'] as const;

export class LogConfig {
  @IsOptional() @IsIn(LOG_FORMATS) format: (typeof LOG_FORMATS)[number] = 'text';
  @IsOptional() @IsIn(LOG_LEVELS) level: (typeof LOG_LEVELS)[number] = 'info';
}

/** Per-connection limits and timeouts (README "Limits"); every one optional, 0 turns it off. */
export class LimitsConfig {
  @IsOptional() @IsInt() @Min(0) maxSubscriptions?: number;
  @IsOptional() @IsInt() @Min(0) maxChannelSize?: number;
  @IsOptional() @IsNumber() @Min(0) maxRequestsPerSecond?: number;
  @IsOptional() @IsInt() @Min(0) requestBurst?: number;
  @IsOptional() @IsNumber() @Min(0) maxBytesPerSecond?: number;
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
  /** Deepest nesting of objects/arrays in a frame (default 64); capped so replies can still be serialized. */
  @IsOptional() @IsInt() @Min(4) @Max(1000) maxJsonDepth?: number;
  @IsOptional() @ValidateNested() @Type(() => ClusterConfig) cluster?: ClusterConfig;
  @IsOptional() @ValidateNested() @Type(() => OperationsConfig) operations?: OperationsConfig;
  /** Prometheus metrics (default true). */
  @IsOptional() @IsBoolean() metrics?: boolean;
  @IsOptional() @ValidateNested() @Type(() => LogConfig) log: LogConfig = new LogConfig();
  @IsOptional() @ValidateNested() @Type(() => LimitsConfig) limits?: LimitsConfig;
  /** Seconds SIGTERM/SIGINT may take to drain before the process exits (default 10). */
  @IsOptional() @IsNumber() @Min(0) shutdownTimeout?: number;
  @IsArray() services: ServiceEntryConfig[];
}
