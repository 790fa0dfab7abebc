import { RpcCallError } from './errors';
import { restoreEach } from './restore-each';
import { RpcService, type Notification } from './rpc-service';
import type { SignalLike } from './signal';
import type { Snorky } from './snorky';
import { stableStringify } from './stable-stringify';

/** A cursor as the server shows it (PROTOCOL §10). */
export interface CursorData {
  publicHandle: number;
  document: unknown;
  position: unknown;
  status: unknown;
  owner: unknown;
}

export type CursorsCommands = {
  join: { params: { document: unknown }; result: { cursors: CursorData[] } };
  leave: { params: { document: unknown }; result: null };
  createCursor: { params: { privateHandle: unknown; document: unknown; position: unknown; status: unknown }; result: number };
  updateCursor: { params: { privateHandle: unknown; newData: { position?: unknown; status?: unknown } }; result: null };
  removeCursor: { params: { privateHandle: unknown }; result: null };
};

/** Someone else's cursor, kept up to date by notifications. */
export interface ForeignCursor extends CursorData {
  readonly isMine: false;
}

/** A cursor of this connection. `created` settles with its public handle once the server made it. */
export class OwnCursor {
  readonly isMine = true;
  publicHandle: number | undefined;
  removed = false;
  created: Promise<number>;

  constructor(
    readonly document: CursorDocument,
    readonly privateHandle: number,
    public position: unknown,
    public status: unknown,
  ) {
    this.created = this.create();
  }

  /** Moves the cursor and/or changes its status (sent only when something changed). */
  update(newData: { position?: unknown; status?: unknown }): Promise<null> {
    const same = (['position', 'status'] as const).every((k) => !(k in newData) || stableStringify(newData[k]) === stableStringify(this[k]));
    if ('position' in newData) this.position = newData.position;
    if ('status' in newData) this.status = newData.status;
    if (same) return new this.document.service.snorky.Promise<null>((resolve) => resolve(null));
    return this.document.service.call('updateCursor', { privateHandle: this.privateHandle, newData });
  }

  remove(): Promise<null> {
    this.removed = true;
    this.document.forgetOwn(this);
    return this.document.service.call('removeCursor', { privateHandle: this.privateHandle });
  }

  /** (Re)creates it on the server: at first, and after a reconnect. */
  create(): Promise<number> {
    const { service, name } = this.document;
    const created = service.call('createCursor', { privateHandle: this.privateHandle, document: name, position: this.position, status: this.status });
    created.then(
      (handle) => (this.publicHandle = handle),
      () => undefined,
    );
    return created;
  }
}

/**
 * A joined document: every cursor in it (`cursors`: others' and this connection's own), with signals
 * for the others' changes.
 */
export class CursorDocument {
  readonly cursors: (ForeignCursor | OwnCursor)[] = [];
  readonly cursorAdded: SignalLike<ForeignCursor>;
  readonly cursorUpdated: SignalLike<ForeignCursor>;
  readonly cursorRemoved: SignalLike<{ publicHandle: number; document: unknown }>;

  constructor(
    readonly service: Cursors,
    readonly name: unknown,
    cursors: CursorData[],
  ) {
    this.cursorAdded = service.snorky.createSignal();
    this.cursorUpdated = service.snorky.createSignal();
    this.cursorRemoved = service.snorky.createSignal();
    this.cursors.push(...cursors.map(foreign));
  }

  get foreignCursors(): ForeignCursor[] {
    return this.cursors.filter((c): c is ForeignCursor => !c.isMine);
  }

  get ownCursors(): OwnCursor[] {
    return this.cursors.filter((c): c is OwnCursor => c.isMine);
  }

  createCursor(data: { position: unknown; status?: unknown }): OwnCursor {
    const cursor = new OwnCursor(this, this.service.nextPrivateHandle(), data.position, data.status ?? null);
    this.cursors.push(cursor);
    return cursor;
  }

  leave(): Promise<null> {
    return this.service.leave(this.name);
  }

  /** @internal */
  forgetOwn(cursor: OwnCursor): void {
    const index = this.cursors.indexOf(cursor);
    if (index >= 0) this.cursors.splice(index, 1);
  }

  /** @internal A notification for this document. */
  apply(notification: Notification): void {
    const cursor = notification.cursor as CursorData;
    const index = this.cursors.findIndex((c) => !c.isMine && c.publicHandle === cursor.publicHandle);
    if (notification.type === 'cursorAdded') {
      const added = foreign(cursor);
      if (index >= 0) this.cursors[index] = added;
      else this.cursors.push(added);
      this.cursorAdded.dispatch(added);
    } else if (notification.type === 'cursorUpdated') {
      const updated = foreign(cursor);
      if (index >= 0) this.cursors[index] = updated;
      else this.cursors.push(updated);
      this.cursorUpdated.dispatch(updated);
    } else if (notification.type === 'cursorRemoved') {
      if (index >= 0) this.cursors.splice(index, 1);
      this.cursorRemoved.dispatch({ publicHandle: cursor.publicHandle, document: cursor.document });
    }
  }

  /**
   * @internal After a reconnect: the others' cursors as the server has them now; own ones created again.
   * `stale`: the handles known before the rejoin (a cursorAdded arriving before the join's reply is fresh).
   */
  restore(cursors: CursorData[], stale: Set<number>): Promise<unknown> {
    const fresh = new Map(cursors.map((c) => [c.publicHandle, c]));
    for (const old of this.foreignCursors) {
      if (stale.has(old.publicHandle) && !fresh.has(old.publicHandle)) this.apply({ type: 'cursorRemoved', cursor: old });
    }
    for (const c of cursors) {
      const known = this.foreignCursors.some((f) => f.publicHandle === c.publicHandle);
      this.apply({ type: known ? 'cursorUpdated' : 'cursorAdded', cursor: c });
    }
    return Promise.all(
      this.ownCursors.map((own) => {
        own.created = own.create();
        return own.created.catch(() => undefined);
      }),
    );
  }
}

function foreign(data: CursorData): ForeignCursor {
  return { ...data, isMine: false };
}

export interface DocumentsRestoredEvent {
  restored: CursorDocument[];
  failed: { document: CursorDocument; error: Error }[];
}

/**
 * Connector for the Cursors service: `join({ document })` answers a `CursorDocument` whose cursors
 * stay live; a document's `createCursor` makes own cursors. After a reconnect every document is joined again and own cursors are created again.
 */
export class Cursors extends RpcService<CursorsCommands> {
  readonly documentsRestored: SignalLike<DocumentsRestoredEvent>;
  private readonly documents = new Map<string, CursorDocument>();
  private privateHandles = 0;

  constructor(name: string, snorky: Snorky<any>) {
    super(name, snorky);
    this.documentsRestored = snorky.createSignal<DocumentsRestoredEvent>();
  }

  join(params: { document: unknown }): Promise<CursorDocument> {
    return this.call('join', params).then((joined) => {
      const document = new CursorDocument(this, params.document, joined.cursors);
      this.documents.set(stableStringify(params.document), document);
      return document;
    });
  }

  leave(document: unknown): Promise<null> {
    const key = stableStringify(document);
    const forget = () => this.documents.delete(key);
    const result = this.call('leave', { document });
    result.then(forget, (error: unknown) => {
      if (error instanceof RpcCallError) forget();
    });
    return result;
  }

  document(name: unknown): CursorDocument | undefined {
    return this.documents.get(stableStringify(name));
  }

  /** @internal */
  nextPrivateHandle(): number {
    return ++this.privateHandles;
  }

  protected override onNotification(notification: Notification): void {
    const cursor = notification.cursor as CursorData | undefined;
    const document = cursor && this.documents.get(stableStringify(cursor.document));
    if (document) document.apply(notification);
    else this.snorky.logDebug(`Cursors notification for a document not joined`, notification);
  }

  override handleReconnected(): void {
    const documents = [...this.documents.values()];
    if (documents.length === 0) return;
    restoreEach(
      documents,
      (document) => {
        const stale = new Set(document.foreignCursors.map((c) => c.publicHandle));
        return this.call('join', { document: document.name }).then((joined) => document.restore(joined.cursors, stale));
      },
      (document) => this.documents.delete(stableStringify(document.name)),
    ).then(({ restored, failed }) => this.documentsRestored.dispatch({ restored, failed: failed.map(({ item, error }) => ({ document: item, error })) }));
  }

  override handleDisconnect(): void {
    super.handleDisconnect();
    this.documents.clear();
  }
}
