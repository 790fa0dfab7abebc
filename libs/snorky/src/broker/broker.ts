import type { Client } from '../client/client';
import type { Frame } from '../protocol/envelope';
import { randomUUID } from 'crypto';
import { BrokerUnavailableError } from './broker-unavailable.error';
import { DEFAULT_JOURNAL_MAX_ENTRIES, JournalOptions, JournalPosition } from './journal';

/** Receives a broadcast; `position` is its place in the channel's journal (journaled channels only). */
export type BroadcastHandler = (payload: unknown, position?: JournalPosition) => void;

/** Told which topics' subscribers of this node may have missed publications (see `onTopicsLost`). */
export type TopicsLostListener = (topics: string[]) => void;

/** A frame, or how to build it when (and if) it is needed. */
export type FrameSource = Frame | (() => Frame);

export function frameOf(source: FrameSource): Frame {
  return typeof source === 'function' ? source() : source;
}

/**
 * Makes a broadcast idempotent: the first broadcast with `key` goes out; any other with the same key
 * within `ttlMs` (on any node) is dropped. Checked and recorded in the same step as the broadcast,
 * so a retry after a lost reply is dropped and a broadcast that failed is not marked as made.
 */
export interface BroadcastOnce {
  key: string;
  ttlMs: number;
}

/** The in-memory journal of one channel (single node): what `readJournal` serves from. */
interface MemoryJournal {
  options: JournalOptions;
  seq: number;
  entries: { seq: number; at: number; payload: unknown }[];
}


/**
 * The fan-out seam. Services never loop over sockets: they publish a frame on a topic and every node
 * delivers it to its own local subscribers. `LocalBroker` is the single-node engine; `RedisBroker`
 * (cluster) overrides the transport and calls `deliverLocal`/`emitLocal` on arrival.
 * Used as the injection token too (Nest style: an abstract class as token).
 *
 * Besides fan-out, the broker is the little shared memory nodes must agree on: journaled broadcast
 * channels (read back between two positions) and claims (a value put once with a TTL, then taken
 * once — DataSync tokens — or read until it expires — identity tokens).
 * The base class implements them in memory; a cluster engine shares them between nodes.
 */
export abstract class Broker {
  private readonly topics = new Map<string, Set<Client>>();
  private readonly handlers = new Map<string, BroadcastHandler[]>();
  private readonly topicsLostListeners: TopicsLostListener[] = [];
  private readonly gapListeners = new Map<string, (() => void)[]>();
  private readonly journals = new Map<string, MemoryJournal>();
  private readonly claims = new Map<string, { value: string; timer: ReturnType<typeof setTimeout> }>();
  /** Once-keys of recent broadcasts → when they expire; oldest first (see firstTime). */
  private readonly onceKeys = new Map<string, number>();
  /**
   * Epoch of this process's memory journals: fresh per broker, so a position from before a restart
   * is never taken for one of today's (a client resuming after the server restarted is told stale).
   */
  private readonly localEpoch = randomUUID();

  /** True when several nodes share this broker (state then lives outside the process). */
  get clustered(): boolean {
    return false;
  }

  /** Whether operations can reach the shared engine right now (always, on a single node). */
  get available(): boolean {
    return true;
  }

  /** Times the connection to the shared engine came back after being lost (metrics). */
  get reconnects(): number {
    return 0;
  }

  /**
   * Subscribes a client of this node to `topic`. Idempotent. Resolves once publications from every
   * node reach it (a cluster engine may need a round trip); rejects with BrokerUnavailableError
   * when that cannot be arranged now. The local subscription is in place either way.
   */
  subscribe(topic: string, client: Client): Promise<void> {
    let clients = this.topics.get(topic);
    if (!clients) this.topics.set(topic, (clients = new Set()));
    const first = clients.size === 0;
    clients.add(client);
    const ready = this.topicWanted(topic, first);
    // Callers that do not await must not turn an outage into an unhandled rejection (a crash).
    ready.catch(() => undefined);
    return ready;
  }

  unsubscribe(topic: string, client: Client): void {
    const clients = this.topics.get(topic);
    if (!clients) return;
    clients.delete(client);
    if (clients.size === 0) {
      this.topics.delete(topic);
      this.topicUnwanted(topic);
    }
  }

  /**
   * `listener` is called when publications on some topics may not have reached this node's
   * subscribers (a cluster engine lost its subscription to Redis: a restart, or Redis dropping a
   * slow node at its output-buffer limit). Called once the topics are subscribed again, so what the
   * listener tells its clients is "you may have missed something; from now on you receive again".
   * A single node never loses a publication and never calls it.
   */
  onTopicsLost(listener: TopicsLostListener): void {
    this.topicsLostListeners.push(listener);
  }

  /**
   * `listener` is called when this node missed broadcasts of journaled `channel` for good (the
   * journal started over after Redis lost its data, or no longer held them). Cluster engines only.
   */
  onJournalGap(channel: string, listener: () => void): void {
    const list = this.gapListeners.get(channel) ?? [];
    list.push(listener);
    this.gapListeners.set(channel, list);
  }

  /** Delivers `frame` to this node's subscribers of `topic` only (a journaled service's handler). */
  deliverToLocalSubscribers(topic: string, frame: FrameSource): void {
    this.deliverLocal(topic, frame);
  }

  /** Topics this node's clients are subscribed to. */
  subscribedTopics(): string[] {
    return [...this.topics.keys()];
  }

  /** The clients of this node subscribed to `topic`. */
  localSubscribers(topic: string): ReadonlySet<Client> {
    return this.topics.get(topic) ?? new Set();
  }

  /** Number of local subscribers (for tests, metrics). */
  localSubscriberCount(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  /**
   * Delivers `frame` to every subscriber of `topic` on every node. Resolves once it is handed on.
   * A function is called at most once, and only if the frame is needed: a publication nobody on
   * a single node listens to is never serialized.
   */
  abstract publish(topic: string, frame: FrameSource): Promise<void>;

  /**
   * Sends `payload` to the `channel` handlers of every node, this one included. With `once`, resolves
   * false (and sends nothing) when a broadcast with the same key was made within its TTL.
   */
  abstract broadcast(channel: string, payload: unknown, once?: BroadcastOnce): Promise<boolean>;

  onBroadcast(channel: string, handler: BroadcastHandler): void {
    const list = this.handlers.get(channel) ?? [];
    list.push(handler);
    this.handlers.set(channel, list);
    if (list.length === 1) this.channelWanted(channel);
  }

  // ---- journaled channels -------------------------------------------------------------------

  /** Declares `channel` journaled (call before `onBroadcast`). */
  keepJournal(channel: string, options: JournalOptions): void {
    if (!this.journals.has(channel)) this.journals.set(channel, { options, seq: 0, entries: [] });
  }

  isJournaled(channel: string): boolean {
    return this.journals.has(channel);
  }

  /** The last broadcast of `channel` this node's handlers received; undefined while not in sync. */
  journalPosition(channel: string): JournalPosition | undefined {
    const journal = this.journals.get(channel);
    return journal ? { epoch: this.localEpoch, seq: journal.seq } : undefined;
  }

  /**
   * `journalPosition`, for work that needs the node in sync with the journal: throws
   * BrokerUnavailableError (`Service unavailable`) at once while it is cut off from Redis or resyncing.
   */
  inSyncJournalPosition(channel: string): JournalPosition {
    const position = this.journalPosition(channel);
    if (!this.available || !position) throw new BrokerUnavailableError(`${channel}: this node is not connected to the cluster's Redis (or not yet in sync with its journal)`);
    return position;
  }

  /**
   * The last broadcast of `channel` delivered to this node's handlers, in sync or not: what a client
   * that was sent everything routed so far has been sent up to (replies carry it).
   */
  journalDelivered(channel: string): JournalPosition | undefined {
    return this.journalPosition(channel);
  }

  /** The last broadcast of `channel` made anywhere (a round trip in a cluster). */
  async journalHead(channel: string): Promise<JournalPosition> {
    return this.journalPosition(channel) ?? { epoch: this.localEpoch, seq: 0 };
  }

  /** Resolves once this node's handlers have received the broadcast at `position` (or later). */
  async journalReached(_channel: string, _position: JournalPosition): Promise<void> {}

  /**
   * The payloads broadcast on `channel` after `from` up to `upto` included, in order; undefined when
   * the journal no longer holds all of them (retention, or it started over).
   */
  async readJournal(channel: string, from: JournalPosition, upto: JournalPosition): Promise<unknown[] | undefined> {
    const journal = this.journals.get(channel);
    if (!journal || from.epoch !== this.localEpoch || upto.epoch !== this.localEpoch) return undefined;
    if (upto.seq <= from.seq) return [];
    const first = journal.entries[0]?.seq ?? journal.seq + 1;
    if (first > from.seq + 1 || upto.seq > journal.seq) return undefined;
    return journal.entries.slice(from.seq + 1 - first, upto.seq + 1 - first).map((e) => e.payload);
  }

  /** Records a broadcast in this node's memory journal (single-node engines call it on broadcast). */
  protected journalLocal(channel: string, payload: unknown): JournalPosition | undefined {
    const journal = this.journals.get(channel);
    if (!journal) return undefined;
    const now = Date.now();
    journal.entries.push({ seq: ++journal.seq, at: now, payload });
    const max = journal.options.maxEntries ?? DEFAULT_JOURNAL_MAX_ENTRIES;
    let drop = Math.max(0, journal.entries.length - max);
    while (drop < journal.entries.length && journal.entries[drop].at < now - journal.options.retentionMs) drop++;
    if (drop > 0) journal.entries.splice(0, drop);
    return { epoch: this.localEpoch, seq: journal.seq };
  }

  // ---- claims -------------------------------------------------------------------------------

  /** Stores `value` under `key` for `ttlMs` unless the key exists; false if it did. */
  async putClaim(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.claims.has(key)) return false;
    const timer = setTimeout(() => this.claims.delete(key), ttlMs);
    timer.unref?.();
    this.claims.set(key, { value, timer });
    return true;
  }

  /** Removes and returns the value under `key`: exactly one taker ever gets it. */
  async takeClaim(key: string): Promise<string | undefined> {
    const claim = this.claims.get(key);
    if (!claim) return undefined;
    clearTimeout(claim.timer);
    this.claims.delete(key);
    return claim.value;
  }

  /** The value under `key`, left in place (claims read by many until their TTL: identity tokens). */
  async readClaim(key: string): Promise<string | undefined> {
    return this.claims.get(key)?.value;
  }

  /** Removes the claim under `key`, if any. */
  async dropClaim(key: string): Promise<void> {
    const claim = this.claims.get(key);
    if (!claim) return;
    clearTimeout(claim.timer);
    this.claims.delete(key);
  }

  /** Gives each existing claim of `keys` a new TTL of `ttlMs` from now (missing ones stay missing). */
  async refreshClaims(keys: string[], ttlMs: number): Promise<void> {
    for (const key of keys) {
      const claim = this.claims.get(key);
      if (!claim) continue;
      clearTimeout(claim.timer);
      claim.timer = setTimeout(() => this.claims.delete(key), ttlMs);
      claim.timer.unref?.();
    }
  }

  /**
   * In-memory once-keys (single node): true the first time `key` is seen within `ttlMs`.
   * Expired keys are swept from the front of the insertion-ordered map on each call — O(1)
   * amortized, no timer per key; memory is (broadcasts per second) × TTL entries.
   */
  protected firstTime(key: string, ttlMs: number): boolean {
    const now = Date.now();
    for (const [old, expires] of this.onceKeys) {
      if (expires > now) break;
      this.onceKeys.delete(old);
    }
    const expires = this.onceKeys.get(key);
    if (expires !== undefined && expires > now) return false;
    this.onceKeys.delete(key); // re-inserted at the end: the map stays roughly in expiry order
    this.onceKeys.set(key, now + ttlMs);
    return true;
  }

  // ---- hooks for cluster engines --------------------------------------------------------------

  /** A local client subscribed to `topic` (`first`: no local subscriber before). */
  protected topicWanted(_topic: string, _first: boolean): Promise<void> {
    return Promise.resolve();
  }

  /** The last local subscriber of `topic` left. */
  protected topicUnwanted(_topic: string): void {}

  /** The first handler for broadcast `channel` was registered. */
  protected channelWanted(_channel: string): void {}

  /** Topics that have local subscribers (a cluster engine resubscribes them after a reconnect). */
  protected localTopics(): IterableIterator<string> {
    return this.topics.keys();
  }

  /** Broadcast channels that have handlers on this node. */
  protected handledChannels(): IterableIterator<string> {
    return this.handlers.keys();
  }

  /** Delivers to this node's subscribers. The frame is turned into bytes once, not once per recipient. */
  protected deliverLocal(topic: string, source: FrameSource): void {
    const clients = this.topics.get(topic);
    if (!clients || clients.size === 0) return;
    const frame = frameOf(source);
    const bytes = typeof frame === 'string' && clients.size > 1 ? Buffer.from(frame) : frame;
    for (const client of clients) client.send(bytes);
  }

  protected journalGap(channel: string): void {
    for (const listener of this.gapListeners.get(channel) ?? []) listener();
  }

  protected topicsLost(topics: string[]): void {
    if (topics.length === 0) return;
    for (const listener of this.topicsLostListeners) listener(topics);
  }

  protected emitLocal(channel: string, payload: unknown, position?: JournalPosition): void {
    for (const handler of this.handlers.get(channel) ?? []) handler(payload, position);
  }
}

/** Single-node broker: publishing is local delivery. */
export class LocalBroker extends Broker {
  async publish(topic: string, frame: FrameSource): Promise<void> {
    this.deliverLocal(topic, frame);
  }

  async broadcast(channel: string, payload: unknown, once?: BroadcastOnce): Promise<boolean> {
    if (once && !this.firstTime(once.key, once.ttlMs)) return false;
    this.emitLocal(channel, payload, this.journalLocal(channel, payload));
    return true;
  }
}
