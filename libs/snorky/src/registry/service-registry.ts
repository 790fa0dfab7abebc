import type { Client } from '../client/client';
import { markClosed } from '../client/closed-clients';
import { Envelope, envelopeOf, EnvelopeParseResult, parseEnvelope } from '../protocol/envelope';
import { ErrorText } from '../protocol/error-text';
import { RequestRate } from '../limits/request-rate';
import type { RegistrySide } from '../rpc/metadata';
import type { Service } from '../rpc/service';
import { DEFAULT_MAX_JSON_DEPTH } from '../protocol/json-value';
import type { DropReason } from '../metrics/node-stats';
import type { SnorkyMetrics } from '../metrics/snorky-metrics';
import { dropFrame } from './drop-frame';
import { failureLog } from '../logging/failure-log';

/** How often buckets that have refilled are dropped. */
const RATE_SWEEP_MS = 1000;

/**
 * The services of one side (frontend or backend), by name. Transports hand it raw frames;
 * it parses the envelope, routes to the service and keeps any failure away from the connection.
 */
export class ServiceRegistry {
  private readonly services = new Map<string, Service>();
  /**
   * The request rate of each connection that sent requests lately (frontend only: the backend is
   * trusted). A bucket that has refilled is the same as a fresh one, so the sweep drops it: an idle
   * connection keeps no rate state (bench:connections). Deleted on disconnect too.
   */
  private readonly rates = new Map<Client, RequestRate>();
  private sweep?: NodeJS.Timeout;

  constructor(
    readonly side: RegistrySide,
    readonly maxFrameSize: number,
    /** Frames nesting objects/arrays deeper than this are dropped as malformed (PROTOCOL §1). */
    readonly maxJsonDepth: number = DEFAULT_MAX_JSON_DEPTH,
    /** Requests per second and burst of one connection; undefined = no rate limit. */
    private readonly rateLimit?: { perSecond: number; burst: number },
    /** Counts dropped frames by reason (the node's recorder). */
    private readonly metrics?: SnorkyMetrics,
  ) {}

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

  /** Routes one raw frame. Never throws; a rejected command is logged, never propagated to the transport. */
  dispatch(client: Client, raw: string | Buffer): void {
    const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
    if (size > this.maxFrameSize) return this.drop(client, 'too_large', `frame of ${size} bytes exceeds maxFrameSize ${this.maxFrameSize}`);
    const verdict = this.rateOf(client)?.take() ?? 'admit';
    if (verdict === 'close') {
      // Checked before parsing: a flood costs nothing more once the connection is condemned.
      this.drop(client, 'rate_limit', 'went on flooding after being refused (Too many requests); connection closed');
      return client.close?.(1008, ErrorText.TooManyRequests);
    }
    this.route(client, parseEnvelope(raw, this.maxJsonDepth), verdict === 'refuse');
  }

  private rateOf(client: Client): RequestRate | undefined {
    if (!this.rateLimit || this.rateLimit.perSecond <= 0) return undefined;
    let rate = this.rates.get(client);
    if (!rate) {
      this.rates.set(client, (rate = new RequestRate(this.rateLimit.perSecond, this.rateLimit.burst)));
      this.sweep ??= setInterval(() => this.dropFullBuckets(), RATE_SWEEP_MS).unref();
    }
    return rate;
  }

  private dropFullBuckets(): void {
    const now = Date.now();
    for (const [client, rate] of this.rates) if (rate.isFull(now)) this.rates.delete(client);
    if (this.rates.size === 0) {
      clearInterval(this.sweep);
      this.sweep = undefined;
    }
  }

  /**
   * Routes a JSON value its transport already parsed and checked for size and depth (see
   * read-body.ts): the backend HTTP body.
   */
  dispatchParsed(client: Client, value: unknown): void {
    this.route(client, envelopeOf(value));
  }

  private route(client: Client, parsed: EnvelopeParseResult, overRate = false): void {
    if (!parsed.ok) return this.drop(client, 'invalid_envelope', parsed.reason);
    const { service: name, message }: Envelope = parsed.envelope;
    const service = this.services.get(name);
    if (!service) return this.drop(client, 'unknown_service', `unknown service ${JSON.stringify(name)}`);
    if (overRate) return this.guard(service, () => service.refuseMessageFrom(client, message, ErrorText.TooManyRequests));
    try {
      const pending = service.processMessageFrom(client, message);
      if (pending) pending.catch((err) => this.logFailure(service, err));
    } catch (err) {
      this.logFailure(service, err);
    }
  }

  clientConnected(client: Client): void {
    for (const service of this.services.values()) this.guard(service, () => service.clientConnected(client));
  }

  clientDisconnected(client: Client): void {
    markClosed(client);
    this.rates.delete(client);
    for (const service of this.services.values()) this.guard(service, () => service.clientDisconnected(client));
  }

  private drop(client: Client, kind: DropReason, reason: string): void {
    dropFrame(`${this.side} registry`, kind, reason, client, this.metrics);
  }

  private guard(service: Service, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logFailure(service, err);
    }
  }

  private logFailure(service: Service, err: unknown): void {
    failureLog.error(`${this.side} service ${service.name} failed`, err instanceof Error ? err.stack : String(err));
  }
}
