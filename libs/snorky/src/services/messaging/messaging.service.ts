import { Inject, Optional } from '@nestjs/common';
import type { Client } from '../../client/client';
import { encodeEnvelope } from '../../protocol/envelope';
import { ErrorText } from '../../protocol/error-text';
import { RpcCommand } from '../../rpc/rpc-command.decorator';
import { RpcError } from '../../rpc/rpc-error';
import { RpcRequest } from '../../rpc/rpc-request';
import { RpcService } from '../../rpc/rpc.service';
import { SnorkyService } from '../../rpc/snorky-service.decorator';
import { compareJson } from '../json-order';
import { jsonKey } from '../json-key';
import { ParticipantParams, SendParams } from './messaging.params';

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

export interface MessagingOptions {
  /** Overrides the `@SnorkyService` name. */
  name?: string;
}

/**
 * PROTOCOL §8: one-to-one messages between names that connections register. A name is a roster key
 * held exclusively by one client (so unique cluster-wide); its holder subscribes to the name's broker
 * topic, so `send` reaches it on whichever node it is connected.
 */
@SnorkyService('messaging')
export class MessagingService extends RpcService {
  /** client -> canonical names it holds. */
  private readonly names = new Map<Client, Set<string>>();

  constructor(@Optional() @Inject(MESSAGING_OPTIONS) options: MessagingOptions = {}) {
    super();
    if (options.name) this.name = options.name;
  }

  /** Policy hook: may `client` register `name`? Default: any name. */
  isNameAllowed(_client: Client, _name: unknown): boolean | Promise<boolean> {
    return true;
  }

  protected override onAttach(): void {
    // A name lost while this node was cut off from Redis and taken meanwhile: the connection loses it.
    this.roster.onEvicted(this.rosterName, (_roster, key, holder) => {
      for (const [client, keys] of this.names) if (client.id === holder && keys.has(key)) this.drop(client, key);
    });
  }

  @RpcCommand()
  async registerParticipant({ name }: ParticipantParams, req: RpcRequest): Promise<void> {
    const key = this.keyOf(name);
    if ((await this.roster.holderCount(this.rosterName, key)) > 0) throw new RpcError(ErrorText.NameAlreadyRegistered);
    if (!(await this.isNameAllowed(req.client, name))) throw new RpcError(ErrorText.NameNotAllowed);
    const result = await this.roster.add(this.rosterName, key, req.client.id, { exclusive: true });
    if (typeof result !== 'number') throw new RpcError(ErrorText.NameAlreadyRegistered);
    let keys = this.names.get(req.client);
    if (!keys) this.names.set(req.client, (keys = new Set()));
    keys.add(key);
    try {
      await this.broker.subscribe(this.topic(key), req.client);
    } catch (err) {
      this.drop(req.client, key);
      throw err;
    }
  }

  @RpcCommand()
  async unregisterParticipant({ name }: ParticipantParams, req: RpcRequest): Promise<void> {
    const key = this.keyOf(name);
    if (!this.names.get(req.client)?.has(key)) {
      const held = (await this.roster.holderCount(this.rosterName, key)) > 0;
      throw new RpcError(held ? ErrorText.InvalidParticipant : ErrorText.UnknownParticipant);
    }
    await this.drop(req.client, key);
  }

  @RpcCommand()
  async listParticipants(): Promise<unknown[]> {
    const entries = await this.roster.entries(this.rosterName);
    return entries.map((e) => JSON.parse(e.key) as unknown).sort(compareJson);
  }

  @RpcCommand()
  async send({ sender, dest, body }: SendParams, req: RpcRequest): Promise<void> {
    if (!this.names.get(req.client)?.has(this.keyOf(sender))) throw new RpcError(ErrorText.InvalidSender);
    const destKey = this.keyOf(dest);
    if ((await this.roster.holderCount(this.rosterName, destKey)) === 0) throw new RpcError(ErrorText.UnknownDestination);
    await this.broker.publish(this.topic(destKey), encodeEnvelope(this.name, { type: 'message', sender, dest, body }));
  }

  override clientDisconnected(client: Client): void {
    for (const key of [...(this.names.get(client) ?? [])]) {
      this.drop(client, key).catch((err) => this.logger.warn(`freeing a name of ${client.id}: ${(err as Error).message}`));
    }
  }

  /** Frees a name of `client` here and in the roster. */
  private async drop(client: Client, key: string): Promise<void> {
    const keys = this.names.get(client);
    if (!keys?.delete(key)) return;
    if (keys.size === 0) this.names.delete(client);
    this.broker.unsubscribe(this.topic(key), client);
    await this.roster.remove(this.rosterName, key, client.id);
  }

  /** A name's canonical JSON; over limits.maxChannelSize it is `Invalid params`. */
  private keyOf(name: unknown): string {
    return jsonKey(name, this.limits.maxChannelSize);
  }

  private get rosterName(): string {
    return `messaging:${this.name}`;
  }

  private topic(key: string): string {
    return `messaging:${this.name}:${key}`;
  }
}
