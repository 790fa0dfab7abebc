import { Logger } from '@nestjs/common';
import type { Client } from '../client/client';
import { parseEnvelope } from '../protocol/envelope';
import type { RegistrySide } from '../rpc/metadata';
import type { Service } from '../rpc/service';
import { logDropped } from './drop-log';

export type DispatchResult = { ok: true } | { ok: false; reason: string };

/**
 * The services of one side (frontend or backend), by name. Transports hand it raw frames;
 * it parses the envelope, routes to the service and keeps any failure away from the connection.
 */
export class ServiceRegistry {
  private readonly services = new Map<string, Service>();
  private readonly logger: Logger;

  constructor(
    readonly side: RegistrySide,
    readonly maxFrameSize: number,
  ) {
    this.logger = new Logger(`ServiceRegistry(${side})`);
  }

  register(service: Service): void {
    if (this.services.has(service.name)) {
      throw new Error(`Two Snorky services are named "${service.name}" in the ${this.side} registry`);
    }
    this.services.set(service.name, service);
  }

  get(name: string): Service | undefined {
    return this.services.get(name);
  }

  get names(): string[] {
    return [...this.services.keys()];
  }

  /** Routes one frame. Never throws; a rejected command is logged, never propagated to the transport. */
  dispatch(client: Client, raw: string | Buffer): DispatchResult {
    const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
    if (size > this.maxFrameSize) return this.drop(client, `frame of ${size} bytes exceeds maxFrameSize ${this.maxFrameSize}`);
    const parsed = parseEnvelope(typeof raw === 'string' ? raw : raw.toString('utf8'));
    if (!parsed.ok) return this.drop(client, parsed.reason);
    const service = this.services.get(parsed.envelope.service);
    if (!service) return this.drop(client, `unknown service ${JSON.stringify(parsed.envelope.service)}`);
    try {
      const pending = service.processMessageFrom(client, parsed.envelope.message);
      if (pending) pending.catch((err) => this.logFailure(service, err));
    } catch (err) {
      this.logFailure(service, err);
    }
    return { ok: true };
  }

  clientConnected(client: Client): void {
    for (const service of this.services.values()) this.guard(service, () => service.clientConnected(client));
  }

  clientDisconnected(client: Client): void {
    for (const service of this.services.values()) this.guard(service, () => service.clientDisconnected(client));
  }

  private drop(client: Client, reason: string): DispatchResult {
    logDropped(`${this.side} registry`, reason, client);
    return { ok: false, reason };
  }

  private guard(service: Service, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logFailure(service, err);
    }
  }

  private logFailure(service: Service, err: unknown): void {
    this.logger.error(`service ${service.name} failed`, err instanceof Error ? err.stack : String(err));
  }
}
