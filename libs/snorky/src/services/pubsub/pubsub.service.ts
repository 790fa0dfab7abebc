import { Inject, Optional } from '@nestjs/common';
import type { Client } from '../../client/client';
import { encodeEnvelope } from '../../protocol/envelope';
import { canonicalJson } from '../../protocol/json-value';
import { ErrorText } from '../../protocol/error-text';
import { RpcCommand } from '../../rpc/rpc-command.decorator';
import { RpcError } from '../../rpc/rpc-error';
import { RpcRequest } from '../../rpc/rpc-request';
import { RpcService } from '../../rpc/rpc.service';
import { SnorkyService } from '../../rpc/snorky-service.decorator';
import { ChannelParams, PublishParams } from './pubsub.params';

export const PUBSUB_OPTIONS = Symbol('PUBSUB_OPTIONS');

export interface PubSubOptions {
  /** Overrides the `@SnorkyService` name (several pub/subs in one app). */
  name?: string;
  /** false makes a "private" pub/sub: only the backend publishes. Default true. */
  frontendPublish?: boolean;
}

/**
 * PROTOCOL §3. Channels are any JSON value compared by value: the canonical (key-sorted) JSON
 * is the channel's identity, and the broker topic. Every key counts, whatever its name
 * (`{"room": 1, "__proto__": 2}` is not `{"room": 1}`).
 */
@SnorkyService('pubsub')
export class PubSubService extends RpcService {
  /** client -> canonical channel keys it holds (to answer Already/Not subscribed and clean up). */
  private readonly subscriptions = new Map<Client, Set<string>>();

  constructor(@Optional() @Inject(PUBSUB_OPTIONS) private readonly options: PubSubOptions = {}) {
    super();
    if (options.name) this.name = options.name;
  }

  /**
   * Policy hook: may `client` publish on `channel` from the frontend? Override for finer rules
   * (`client.identity` says who it is). Refused: `Not authorized`.
   */
  canPublish(_client: Client, _channel: unknown): boolean | Promise<boolean> {
    return this.options.frontendPublish ?? true;
  }

  /**
   * Policy hook: may `client` subscribe to `channel`? Everyone may by default. Override it, e.g.
   * `return channel === `user:${client.identity?.id}``, to keep private channels private.
   * Refused: `Not authorized`.
   */
  canSubscribe(_client: Client, _channel: unknown): boolean | Promise<boolean> {
    return true;
  }

  @RpcCommand()
  async subscribe({ channel }: ChannelParams, req: RpcRequest): Promise<void> {
    const key = canonicalJson(channel);
    let channels = this.subscriptions.get(req.client);
    if (!channels) this.subscriptions.set(req.client, (channels = new Set()));
    if (channels.has(key)) throw new RpcError(ErrorText.AlreadySubscribed);
    // Held before the policy answers: a disconnect meanwhile (clientDisconnected) cleans it up.
    channels.add(key);
    const allowed = this.canSubscribe(req.client, channel);
    // A synchronous answer (the default) takes no extra tick, so replies keep their requests' order.
    if (allowed !== true) {
      let granted = false;
      try {
        granted = await allowed;
      } finally {
        if (!granted) this.forget(req.client, key);
      }
      if (!granted) throw new RpcError(ErrorText.NotAuthorized);
      if (!this.subscriptions.get(req.client)?.has(key)) return; // the client left while the policy ran
    }
    try {
      // In a cluster this waits until publications from every node reach the client.
      await this.broker.subscribe(this.topic(key), req.client);
    } catch (err) {
      this.forget(req.client, key);
      throw err;
    }
  }

  @RpcCommand()
  unsubscribe({ channel }: ChannelParams, req: RpcRequest): void {
    const key = canonicalJson(channel);
    const channels = this.subscriptions.get(req.client);
    if (!channels?.delete(key)) throw new RpcError(ErrorText.NotSubscribed);
    if (channels.size === 0) this.subscriptions.delete(req.client);
    this.broker.unsubscribe(this.topic(key), req.client);
  }

  @RpcCommand()
  async publish({ channel, message }: PublishParams, req: RpcRequest): Promise<void> {
    if (!(await this.canPublish(req.client, channel))) throw new RpcError(ErrorText.NotAuthorized);
    await this.publishToChannel(channel, message);
  }

  /** Publishes regardless of policy (the backend path). Serialized once for all subscribers. */
  publishToChannel(channel: unknown, message: unknown): Promise<void> {
    const frame = encodeEnvelope(this.name, { type: 'message', channel, message });
    return this.broker.publish(this.topic(canonicalJson(channel)), frame);
  }

  /** Undoes a subscription that could not be completed (the cluster's Redis was unreachable). */
  private forget(client: Client, key: string): void {
    const channels = this.subscriptions.get(client);
    if (!channels?.delete(key)) return;
    if (channels.size === 0) this.subscriptions.delete(client);
    this.broker.unsubscribe(this.topic(key), client);
  }

  override clientDisconnected(client: Client): void {
    const channels = this.subscriptions.get(client);
    if (!channels) return;
    this.subscriptions.delete(client);
    for (const key of channels) this.broker.unsubscribe(this.topic(key), client);
  }

  private topic(channelKey: string): string {
    return `pubsub:${this.name}:${channelKey}`;
  }
}
