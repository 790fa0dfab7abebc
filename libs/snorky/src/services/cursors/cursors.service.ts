import { Inject, Optional } from '@nestjs/common';
import { randomInt } from 'crypto';
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
import { CreateCursorParams, CursorHandleParams, DocumentParams, UpdateCursorParams } from './cursors.params';

export const CURSORS_OPTIONS = Symbol('CURSORS_OPTIONS');

export interface CursorsOptions {
  /** Overrides the `@SnorkyService` name. */
  name?: string;
  /** Cursors one connection may hold at once (all documents). Default 16, as the original. */
  maxCursorsPerConnection?: number;
}

/** A cursor as the wire shows it (PROTOCOL §10). */
export interface CursorData {
  publicHandle: number;
  document: unknown;
  position: unknown;
  status: unknown;
  owner: unknown;
}

interface OwnCursor {
  documentKey: string;
  data: CursorData;
}

interface CursorDelivery {
  document: string;
  notification: Record<string, unknown>;
  exceptClient?: string;
}

/** Public handles are random in [1, 2^31): unique in their document because the roster key is exclusive. */
const HANDLE_LIMIT = 2 ** 31;

/**
 * PROTOCOL §10: shared cursors in documents. Each cursor is a roster key (its public handle) held by
 * its connection in the document's roster, with the cursor's JSON as value, so `join` sees the cursors
 * of every node and a dead node's cursors are removed (and `cursorRemoved` sent) by a survivor.
 */
@SnorkyService('cursors')
export class CursorsService extends RpcService {
  /** document key -> this node's connections in it. */
  private readonly documents = new Map<string, Set<Client>>();
  /** client -> document keys joined. */
  private readonly joined = new Map<Client, Set<string>>();
  /** client -> private handle (canonical JSON) -> its cursor. */
  private readonly cursors = new Map<Client, Map<string, OwnCursor>>();
  private readonly maxCursors: number;
  private fanout!: NodeFanout<CursorDelivery>;
  /** Documents per connection (PROTOCOL §11). */
  private quota = new SubscriptionQuota(this.limits.maxSubscriptions);

  constructor(@Optional() @Inject(CURSORS_OPTIONS) options: CursorsOptions = {}) {
    super();
    if (options.name) this.name = options.name;
    this.maxCursors = options.maxCursorsPerConnection ?? 16;
  }

  /** Policy hook: may `client` (authenticated) join `document`? Default: yes. Refusal answers `Not authorized`. */
  canJoin(_client: Client, _document: unknown): boolean | Promise<boolean> {
    return true;
  }

  protected override onAttach(): void {
    this.quota = new SubscriptionQuota(this.limits.maxSubscriptions);
    this.fanout = new NodeFanout(this.broker, this.roster.nodeId, this.name, (d) => this.deliverLocal(d));
    this.roster.onLost(this.rosterPrefix, (lost) => this.cursorsLost(lost));
  }

  @RpcCommand()
  async join({ document }: DocumentParams, req: RpcRequest): Promise<{ cursors: CursorData[] }> {
    const client = req.client;
    if (client.identity === undefined || client.identity === null) throw new RpcError(ErrorText.NotAuthenticated);
    const key = jsonKey(document, this.limits.maxChannelSize);
    if (this.joined.get(client)?.has(key)) throw new RpcError(ErrorText.AlreadyJoined);
    if (!(await this.canJoin(client, document))) throw new RpcError(ErrorText.NotAuthorized);
    // A second join may have gone through while the hook ran.
    if (this.joined.get(client)?.has(key)) throw new RpcError(ErrorText.AlreadyJoined);
    this.quota.take(client);
    addTo(this.documents, key, client);
    addTo(this.joined, client, key);
    try {
      const entries = await this.roster.entries(this.rosterName(key));
      return { cursors: entries.flatMap((e) => (e.value === undefined ? [] : [JSON.parse(e.value) as CursorData])) };
    } catch (err) {
      removeFrom(this.documents, key, client);
      removeFrom(this.joined, client, key);
      this.quota.release(client);
      throw err;
    }
  }

  @RpcCommand()
  async leave({ document }: DocumentParams, req: RpcRequest): Promise<void> {
    const key = jsonKey(document, this.limits.maxChannelSize);
    if (!this.joined.get(req.client)?.has(key)) throw new RpcError(ErrorText.NotJoined);
    await this.doLeave(req.client, key);
  }

  @RpcCommand()
  async createCursor({ privateHandle, document, position, status }: CreateCursorParams, req: RpcRequest): Promise<number> {
    const client = req.client;
    const documentKey = jsonKey(document, this.limits.maxChannelSize);
    if (!this.joined.get(client)?.has(documentKey)) throw new RpcError(ErrorText.NotJoined);
    const handleKey = canonicalJson(privateHandle);
    let own = this.cursors.get(client);
    if (own?.has(handleKey)) throw new RpcError(ErrorText.ReusedHandle);
    if ((own?.size ?? 0) >= this.maxCursors) throw new RpcError(ErrorText.TooManyCursors);
    if (!own) this.cursors.set(client, (own = new Map()));
    const data: CursorData = { publicHandle: 0, document, position, status, owner: client.identity ?? null };
    const cursor: OwnCursor = { documentKey, data };
    own.set(handleKey, cursor); // reserved before the round trip: a concurrent create with the handle is refused
    try {
      for (;;) {
        data.publicHandle = randomInt(1, HANDLE_LIMIT);
        const added = await this.roster.add(this.rosterName(documentKey), String(data.publicHandle), client.id, {
          exclusive: true,
          value: JSON.stringify(data),
        });
        if (typeof added === 'number') break;
      }
    } catch (err) {
      this.dropLocal(client, handleKey);
      throw err;
    }
    await this.fanout.send({ document: documentKey, notification: { type: 'cursorAdded', cursor: data }, exceptClient: client.id });
    return data.publicHandle;
  }

  @RpcCommand()
  async updateCursor({ privateHandle, newData }: UpdateCursorParams, req: RpcRequest): Promise<void> {
    const cursor = this.cursors.get(req.client)?.get(canonicalJson(privateHandle));
    if (!cursor || cursor.data.publicHandle === 0) throw new RpcError(ErrorText.NoSuchCursor);
    if (Object.prototype.hasOwnProperty.call(newData, 'position')) cursor.data.position = newData.position;
    if (Object.prototype.hasOwnProperty.call(newData, 'status')) cursor.data.status = newData.status;
    const { data, documentKey } = cursor;
    await this.roster.setValue(this.rosterName(documentKey), String(data.publicHandle), req.client.id, JSON.stringify(data));
    await this.fanout.send({ document: documentKey, notification: { type: 'cursorUpdated', cursor: data }, exceptClient: req.client.id });
  }

  @RpcCommand()
  async removeCursor({ privateHandle }: CursorHandleParams, req: RpcRequest): Promise<void> {
    const handleKey = canonicalJson(privateHandle);
    const cursor = this.cursors.get(req.client)?.get(handleKey);
    if (!cursor || cursor.data.publicHandle === 0) throw new RpcError(ErrorText.NoSuchCursor);
    await this.doRemove(req.client, handleKey, cursor);
  }

  override clientDisconnected(client: Client): void {
    this.quota.forget(client);
    for (const key of [...(this.joined.get(client) ?? [])]) {
      this.doLeave(client, key).catch((err) => this.logger.warn(`leave on disconnect of ${client.id}: ${(err as Error).message}`));
    }
  }

  private async doLeave(client: Client, documentKey: string): Promise<void> {
    const own = [...(this.cursors.get(client) ?? [])].filter(([, c]) => c.documentKey === documentKey && c.data.publicHandle !== 0);
    removeFrom(this.documents, documentKey, client);
    removeFrom(this.joined, client, documentKey);
    this.quota.release(client);
    await Promise.all(own.map(([handleKey, cursor]) => this.doRemove(client, handleKey, cursor)));
  }

  private async doRemove(client: Client, handleKey: string, cursor: OwnCursor): Promise<void> {
    this.dropLocal(client, handleKey);
    const { publicHandle, document } = cursor.data;
    await this.roster.remove(this.rosterName(cursor.documentKey), String(publicHandle), client.id);
    await this.fanout.send({
      document: cursor.documentKey,
      notification: { type: 'cursorRemoved', cursor: { publicHandle, document } },
      exceptClient: client.id,
    });
  }

  private cursorsLost(lost: LostHold[]): void {
    for (const hold of lost) {
      const documentKey = hold.roster.slice(this.rosterPrefix.length);
      const notification = { type: 'cursorRemoved', cursor: { publicHandle: Number(hold.key), document: JSON.parse(documentKey) } };
      this.fanout.send({ document: documentKey, notification }).catch((err) => this.logger.warn(`removing a dead node's cursor: ${(err as Error).message}`));
    }
  }

  private deliverLocal(d: CursorDelivery): void {
    let frame: string | undefined;
    for (const client of this.documents.get(d.document) ?? []) {
      if (client.id !== d.exceptClient) client.send((frame ??= encodeEnvelope(this.name, d.notification)));
    }
  }

  private dropLocal(client: Client, handleKey: string): void {
    const own = this.cursors.get(client);
    own?.delete(handleKey);
    if (own?.size === 0) this.cursors.delete(client);
  }

  private get rosterPrefix(): string {
    return `cursors:${this.name}:`;
  }

  private rosterName(documentKey: string): string {
    return this.rosterPrefix + documentKey;
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  set?.delete(value);
  if (set?.size === 0) map.delete(key);
}
