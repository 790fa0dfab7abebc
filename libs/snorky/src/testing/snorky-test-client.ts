import type { INestApplicationContext } from '@nestjs/common';
import { Client, newClientId, TransportKind } from '../client/client';
import type { Frame } from '../protocol/envelope';
import type { RegistrySide } from '../rpc/metadata';
import { SnorkyRegistries } from '../registry/snorky-registries';
import type { ServiceRegistry } from '../registry/service-registry';

/** A call answered with an `error` reply; `message` is the wire text (`Not authorized`, `Invalid params`, …). */
export class RpcCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RpcCallError';
  }
}

export interface SnorkyTestClientOptions {
  /** Registry the calls go to. Default 'frontend'. */
  registry?: RegistrySide;
  /** `client.identity` as an authenticator would have set it. */
  identity?: unknown;
}

type Pending = { resolve(data: unknown): void; reject(error: Error): void };

/**
 * A client without a socket for tests of an app's own services: each call goes through the registry as a
 * WebSocket frame would (envelope parsing, params validation, guards, interceptors, pipes, filters), in a
 * `Test.createTestingModule(...)` app after `init()`. Notifications (non-reply messages) are kept in order.
 */
export class SnorkyTestClient implements Client {
  readonly id = newClientId('test');
  readonly transport: TransportKind = 'websocket';
  readonly remoteAddress = '127.0.0.1';
  identity?: unknown;
  /** Every non-reply message received, as `{ service, message }`, in arrival order. */
  readonly notifications: Array<{ service: string; message: any }> = [];
  private readonly registry: ServiceRegistry;
  private readonly pending = new Map<number, Pending>();
  private nextCallId = 0;
  private connected = true;

  constructor(app: INestApplicationContext, options: SnorkyTestClientOptions = {}) {
    this.registry = app.get(SnorkyRegistries, { strict: false }).of(options.registry ?? 'frontend');
    this.identity = options.identity;
    if ((options.registry ?? 'frontend') === 'frontend') this.registry.clientConnected(this);
  }

  /** Resolves with the reply's data; rejects with RpcCallError(<wire error text>). */
  call(service: string, command: string, params: Record<string, unknown> = {}): Promise<any> {
    if (!this.connected) return Promise.reject(new Error('SnorkyTestClient is closed'));
    const callId = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.pending.set(callId, { resolve, reject });
      this.registry.dispatch(this, JSON.stringify({ service, message: { command, params, callId } }));
    });
  }

  /** As a closing connection: the services' disconnect hooks run (subscriptions are released). */
  close(): void {
    if (!this.connected) return;
    this.connected = false;
    this.registry.clientDisconnected(this);
  }

  send(frame: Frame): void {
    const envelope = JSON.parse(typeof frame === 'string' ? frame : frame.toString('utf8'));
    const message = envelope.message;
    const call = message && typeof message.callId === 'number' ? this.pending.get(message.callId) : undefined;
    if (call && (message.type === 'response' || message.type === 'error')) {
      this.pending.delete(message.callId);
      if (message.type === 'response') call.resolve(message.data);
      else call.reject(new RpcCallError(message.message));
      return;
    }
    this.notifications.push(envelope);
  }

  frameDropped(reason: string): void {
    for (const call of this.pending.values()) call.reject(new Error(`frame dropped: ${reason}`));
    this.pending.clear();
  }
}
