import { Delta, DeltaPublisher, SubscriptionAuthorizer, SubscriptionItem } from './delta';
import { SnorkyError, SnorkyTransportError } from './errors';
import { Envelope, SnorkyHttpTransport, SnorkyHttpTransportOptions, SnorkyTransport } from './http-transport';

export const DEFAULT_DATASYNC_SERVICE = 'datasync_backend';
export const DEFAULT_PUBSUB_SERVICE = 'pubsub_backend';
export const DEFAULT_IDENTITY_SERVICE = 'identity_backend';

export interface SnorkyBackendOptions extends SnorkyHttpTransportOptions {
  /** Backend DataSync service for publishDeltas / authorizeSubscription; default `datasync_backend`. */
  datasyncService?: string;
  /** Backend PubSub service for publish; default `pubsub_backend`. */
  pubsubService?: string;
  /** Backend identity service for authorizeIdentity; default `identity_backend`. */
  identityService?: string;
}

/**
 * RPC calls to Snorky's backend services (PROTOCOL.md §2, §5), the Node sibling of the Python
 * `SnorkyBackend` and the Ruby `Snorky::Backend`:
 *
 *   const snorky = new SnorkyBackend({ url: 'http://127.0.0.1:5801/backend', key: 'swordfish' });
 *   await snorky.call('pubsub_backend', 'publish', { channel: 'news', message: 'hi' });
 *
 * Resolves with the reply's `data`; rejects with SnorkyError (the service's error text) or
 * SnorkyTransportError (no reply). Stateless apart from fetch's connection pool: share one instance.
 */
export class SnorkyBackend implements DeltaPublisher, SubscriptionAuthorizer {
  readonly transport: SnorkyTransport;
  readonly datasyncService: string;
  readonly pubsubService: string;
  readonly identityService: string;

  constructor(
    transportOrOptions: SnorkyTransport | SnorkyBackendOptions,
    services: { datasyncService?: string; pubsubService?: string; identityService?: string } = {},
  ) {
    const options = isTransport(transportOrOptions) ? services : { ...transportOrOptions, ...services };
    this.transport = isTransport(transportOrOptions) ? transportOrOptions : new SnorkyHttpTransport(transportOrOptions);
    this.datasyncService = options.datasyncService ?? DEFAULT_DATASYNC_SERVICE;
    this.pubsubService = options.pubsubService ?? DEFAULT_PUBSUB_SERVICE;
    this.identityService = options.identityService ?? DEFAULT_IDENTITY_SERVICE;
  }

  /** Sends a bare envelope and resolves with the reply envelope. */
  send(envelope: Envelope): Promise<unknown> {
    return this.transport.send(envelope);
  }

  /** Calls `command` of `service` with named `params`; resolves with the reply's data (null if none). */
  async call<T = unknown>(service: string, command: string, params: Record<string, unknown> = {}): Promise<T> {
    const reply = await this.send({ service, message: { command, params } });
    const message = (reply as { message?: unknown } | null)?.message as
      | { type?: unknown; data?: unknown; message?: unknown }
      | undefined;
    if (typeof message !== 'object' || message === null) {
      throw new SnorkyTransportError(`Malformed reply from Snorky: ${JSON.stringify(reply)?.slice(0, 200)}`, {
        body: JSON.stringify(reply),
      });
    }
    if (message.type === 'response') return (message.data ?? null) as T;
    if (message.type === 'error') throw new SnorkyError(String(message.message ?? ''), service, command);
    throw new SnorkyTransportError(`Unexpected reply type from Snorky: ${JSON.stringify(message.type)}`, {
      body: JSON.stringify(reply),
    });
  }

  /**
   * DataSync `publishDeltas`: validated as a whole batch by Snorky, then delivered. With `batchId`
   * the call is retry-safe: Snorky delivers a batch id once within its dedup window.
   */
  async publishDeltas(deltas: Delta[], service: string = this.datasyncService, batchId?: string): Promise<null> {
    await this.call(service, 'publishDeltas', batchId === undefined ? { deltas } : { deltas, batchId });
    return null;
  }

  /** DataSync `authorizeSubscription`: resolves with the token to hand to the browser. */
  async authorizeSubscription(items: SubscriptionItem[], service: string = this.datasyncService): Promise<string> {
    const token = await this.call(service, 'authorizeSubscription', { items });
    if (typeof token !== 'string') {
      throw new SnorkyTransportError(`authorizeSubscription answered a ${typeof token}, not a token`);
    }
    return token;
  }

  /**
   * Identity `authorizeIdentity` (PROTOCOL §7): resolves with a token the page presents to the
   * frontend `identity` service (`authenticate`); valid `ttl` seconds (default: the server's, 3600).
   */
  async authorizeIdentity(identity: unknown, ttl?: number, service: string = this.identityService): Promise<string> {
    const token = await this.call(service, 'authorizeIdentity', ttl === undefined ? { identity } : { identity, ttl });
    if (typeof token !== 'string') {
      throw new SnorkyTransportError(`authorizeIdentity answered a ${typeof token}, not a token`);
    }
    return token;
  }

  /** PubSub backend `publish`: always allowed, whatever the frontend's publish policy. */
  async publish(channel: unknown, message: unknown, service: string = this.pubsubService): Promise<null> {
    await this.call(service, 'publish', { channel, message });
    return null;
  }
}

function isTransport(value: unknown): value is SnorkyTransport {
  return typeof (value as SnorkyTransport)?.send === 'function';
}
