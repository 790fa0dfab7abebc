import { Inject, Optional } from '@nestjs/common';
import stableStringify from 'fast-json-stable-stringify';
import type { Client } from '../../client/client';
import { encodeEnvelope } from '../../protocol/envelope';
import { ErrorText } from '../../protocol/error-text';
import { RpcCommand } from '../../rpc/rpc-command.decorator';
import { RpcError } from '../../rpc/rpc-error';
import { RpcRequest } from '../../rpc/rpc-request';
import { RpcService } from '../../rpc/rpc.service';
import { SnorkyService } from '../../rpc/snorky-service.decorator';
import { ChannelParams, PublishParams } from './pubsub.params';
import { ClientChannels } from './client-channels';
import type { ServiceStats } from '../../metrics/node-stats';

export const PUBSUB_OPTIONS = Symbol('PUBSUB_OPTIONS');

export interface PubSubOptions {
  /** Overrides the `@SnorkyService` name (several pub/subs in one app). */
  name?: string;
  /** false makes a "private" pub/sub: only the backend publishes. Default true. */
  frontendPublish?: boolean;
}

/**
 * PROTOCOL §3. Channels are any JSON value compared by value: the canonical (key-sorted) JSON
 * is the channel's identity, and the broker topic.
 */
@SnorkyService('pubsub')
export class PubSubService extends RpcService {
  /** client -> canonical channel keys it holds (to answer Already/Not subscribed and clean up). */
  private readonly subscriptions = new ClientChannels<Client>();
  private stats?: ServiceStats;

  constructor(@Optional() @Inject(PUBSUB_OPTIONS) private readonly options: PubSubOptions = {}) {
    super();
    if (options.name) this.name = options.name;
  }

  protected override onAttach(): void {
    this.stats = this.metrics.service(this.name);
    this.stats.subscriptions = () => this.subscriptions.size;
  }

  /** Policy hook: may `client` publish on `channel` from the frontend? Override for finer rules. */
  canPublish(_client: Client, _channel: unknown): boolean | Promise<boolean> {
    return this.options.frontendPublish ?? true;
  }

  @RpcCommand()
  async subscribe({ channel }: ChannelParams, req: RpcRequest): Promise<void> {
    const key = stableStringify(channel);
    if (!this.subscriptions.add(req.client, key)) throw new RpcError(ErrorText.AlreadySubscribed);
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
    const key = stableStringify(channel);
    if (!this.subscriptions.delete(req.client, key)) throw new RpcError(ErrorText.NotSubscribed);
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
    if (this.stats) this.stats.publications++;
    return this.broker.publish(this.topic(stableStringify(channel)), frame);
  }

  /** Undoes a subscription that could not be completed (the cluster's Redis was unreachable). */
  private forget(client: Client, key: string): void {
    if (!this.subscriptions.delete(client, key)) return;
    this.broker.unsubscribe(this.topic(key), client);
  }

  override clientDisconnected(client: Client): void {
    for (const key of this.subscriptions.take(client)) this.broker.unsubscribe(this.topic(key), client);
  }

  private topic(channelKey: string): string {
    return `pubsub:${this.name}:${channelKey}`;
  }
}
