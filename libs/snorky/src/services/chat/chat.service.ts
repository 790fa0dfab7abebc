import { Inject, Optional } from '@nestjs/common';
import type { LostHold } from '../../broker/roster';
import type { Client } from '../../client/client';
import { encodeEnvelope } from '../../protocol/envelope';
import { ErrorText } from '../../protocol/error-text';
import { RpcCommand } from '../../rpc/rpc-command.decorator';
import { RpcError } from '../../rpc/rpc-error';
import { RpcRequest } from '../../rpc/rpc-request';
import { RpcService } from '../../rpc/rpc.service';
import { SnorkyService } from '../../rpc/snorky-service.decorator';
import { SubscriptionQuota } from '../../limits/subscription-quota';
import { canonicalJson } from '../../protocol/json-value';
import { jsonKey } from '../json-key';
import { NodeFanout } from '../node-fanout';
import { isoTimestamp } from '../timestamp';
import { ChatChannelParams, ChatSendParams } from './chat.params';

export const CHAT_OPTIONS = Symbol('CHAT_OPTIONS');

export interface ChatOptions {
  /** Overrides the `@SnorkyService` name. */
  name?: string;
}

/** Who on each node receives a chat notification (keys are canonical JSON). */
interface ChatDelivery {
  channel: string;
  notification: Record<string, unknown>;
  /** presence: everyone but this identity's connections. */
  exceptIdentity?: string;
  /** read: only this identity's connections, but not `exceptClient`. */
  onlyIdentity?: string;
  exceptClient?: string;
}

/**
 * PROTOCOL §9: channels with presence, per identity. Membership is a roster per channel whose keys
 * are identities and whose holders are connections, so "first connection joined" and "last one left"
 * are decided atomically cluster-wide, and a dead node's connections leave through `onLost`.
 */
@SnorkyService('chat')
export class ChatService extends RpcService {
  /** channel key -> this node's connections in it, with the identity each joined as. */
  private readonly channels = new Map<string, Map<Client, string>>();
  /** client -> channel keys it joined. */
  private readonly joined = new Map<Client, Set<string>>();
  private fanout!: NodeFanout<ChatDelivery>;
  /** Channels per connection (PROTOCOL §11). */
  private quota = new SubscriptionQuota(this.limits.maxSubscriptions);

  constructor(@Optional() @Inject(CHAT_OPTIONS) options: ChatOptions = {}) {
    super();
    if (options.name) this.name = options.name;
  }

  /** Policy hook: may `client` (authenticated) join `channel`? Default: yes. Refusal answers `Not authorized`. */
  canJoin(_client: Client, _channel: unknown): boolean | Promise<boolean> {
    return true;
  }

  protected override onAttach(): void {
    this.quota = new SubscriptionQuota(this.limits.maxSubscriptions);
    this.fanout = new NodeFanout(this.broker, this.roster.nodeId, this.name, (d) => this.deliverLocal(d));
    this.roster.onLost(this.rosterPrefix, (lost) => this.membersLost(lost));
  }

  @RpcCommand()
  async join({ channel }: ChatChannelParams, req: RpcRequest): Promise<{ members: unknown[] }> {
    const client = req.client;
    if (client.identity === undefined || client.identity === null) throw new RpcError(ErrorText.NotAuthenticated);
    const key = jsonKey(channel, this.limits.maxChannelSize);
    if (this.joined.get(client)?.has(key)) throw new RpcError(ErrorText.AlreadyJoined);
    if (!(await this.canJoin(client, channel))) throw new RpcError(ErrorText.NotAuthorized);
    // A second join may have gone through while the hook ran.
    if (this.joined.get(client)?.has(key)) throw new RpcError(ErrorText.AlreadyJoined);
    this.quota.take(client);
    const identity = canonicalJson(client.identity);
    // Local first: a second join racing this one is refused, and notifications reach the joiner from now on.
    this.remember(client, key, identity);
    let holders: number | string;
    try {
      holders = await this.roster.add(this.rosterName(key), identity, client.id);
    } catch (err) {
      this.forget(client, key);
      throw err;
    }
    if (holders === 1) await this.presence(channel, key, identity, 'joined');
    const members = await this.roster.entries(this.rosterName(key));
    return { members: members.map((m) => JSON.parse(m.key) as unknown) };
  }

  @RpcCommand()
  async leave({ channel }: ChatChannelParams, req: RpcRequest): Promise<void> {
    const key = jsonKey(channel, this.limits.maxChannelSize);
    if (!this.joined.get(req.client)?.has(key)) throw new RpcError(ErrorText.NotJoined);
    await this.doLeave(req.client, key, channel);
  }

  @RpcCommand()
  async send({ channel, body }: ChatSendParams, req: RpcRequest): Promise<void> {
    const key = jsonKey(channel, this.limits.maxChannelSize);
    const identity = this.channels.get(key)?.get(req.client);
    if (identity === undefined) throw new RpcError(ErrorText.NotJoined);
    const notification = { type: 'message', from: JSON.parse(identity), channel, body, timestamp: isoTimestamp() };
    await this.fanout.send({ channel: key, notification });
  }

  @RpcCommand()
  async read({ channel }: ChatChannelParams, req: RpcRequest): Promise<void> {
    const key = jsonKey(channel, this.limits.maxChannelSize);
    const identity = this.channels.get(key)?.get(req.client);
    // As the original: reading a channel one has not joined is no error and tells nobody.
    if (identity === undefined) return;
    const notification = { type: 'read', channel, timestamp: isoTimestamp() };
    await this.fanout.send({ channel: key, notification, onlyIdentity: identity, exceptClient: req.client.id });
  }

  override clientDisconnected(client: Client): void {
    this.quota.forget(client);
    for (const key of [...(this.joined.get(client) ?? [])]) {
      this.doLeave(client, key, JSON.parse(key)).catch((err) => this.logger.warn(`leave on disconnect of ${client.id}: ${(err as Error).message}`));
    }
  }

  private async doLeave(client: Client, key: string, channel: unknown): Promise<void> {
    const identity = this.forget(client, key);
    if (identity === undefined) return;
    const left = await this.roster.remove(this.rosterName(key), identity, client.id);
    if (left === 0) await this.presence(channel, key, identity, 'left');
  }

  private presence(channel: unknown, key: string, identity: string, status: 'joined' | 'left'): Promise<void> {
    const notification = { type: 'presence', from: JSON.parse(identity), channel, status, timestamp: isoTimestamp() };
    return this.fanout.send({ channel: key, notification, exceptIdentity: identity });
  }

  /** Connections of a dead node are gone: the identities that had no other connection left. */
  private membersLost(lost: LostHold[]): void {
    for (const hold of lost) {
      if (hold.remaining !== 0) continue;
      const key = hold.roster.slice(this.rosterPrefix.length);
      this.presence(JSON.parse(key), key, hold.key, 'left').catch((err) =>
        this.logger.warn(`presence of a dead node's member: ${(err as Error).message}`),
      );
    }
  }

  private deliverLocal(d: ChatDelivery): void {
    const members = this.channels.get(d.channel);
    if (!members) return;
    let frame: string | undefined;
    for (const [client, identity] of members) {
      if (d.exceptIdentity !== undefined && identity === d.exceptIdentity) continue;
      if (d.onlyIdentity !== undefined && identity !== d.onlyIdentity) continue;
      if (d.exceptClient !== undefined && client.id === d.exceptClient) continue;
      client.send((frame ??= encodeEnvelope(this.name, d.notification)));
    }
  }

  private remember(client: Client, key: string, identity: string): void {
    let members = this.channels.get(key);
    if (!members) this.channels.set(key, (members = new Map()));
    members.set(client, identity);
    let keys = this.joined.get(client);
    if (!keys) this.joined.set(client, (keys = new Set()));
    keys.add(key);
  }

  /** Removes the local membership; returns the identity it was joined as. */
  private forget(client: Client, key: string): string | undefined {
    const members = this.channels.get(key);
    const identity = members?.get(client);
    if (!members || identity === undefined) return undefined;
    members.delete(client);
    if (members.size === 0) this.channels.delete(key);
    const keys = this.joined.get(client);
    keys?.delete(key);
    if (keys?.size === 0) this.joined.delete(client);
    this.quota.release(client);
    return identity;
  }

  private get rosterPrefix(): string {
    return `chat:${this.name}:`;
  }

  private rosterName(key: string): string {
    return this.rosterPrefix + key;
  }
}
