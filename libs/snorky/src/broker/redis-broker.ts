import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'crypto';
import Redis, { RedisOptions } from 'ioredis';
import type { Frame } from '../protocol/envelope';
import { BroadcastOnce, Broker, frameOf, FrameSource } from './broker';
import { BrokerUnavailableError } from './broker-unavailable.error';
import { DEFAULT_JOURNAL_MAX_ENTRIES, JournalOptions, JournalPosition } from './journal';
import { JournalCursor } from './journal-cursor';
import { RateLimitedLog } from '../logging/rate-limited-log';
import { JOURNAL_HEAD, JOURNAL_READ, JOURNALED_BROADCAST, ONCE_PUBLISH } from './redis-scripts';

export interface RedisBrokerOptions {
  /** e.g. 'redis://127.0.0.1:6379'. */
  url: string;
  /** How long start-up waits for Redis before failing, in ms. Default 5000. */
  connectTimeoutMs?: number;
  /** A command that takes longer fails (Redis hung), in ms. Default 2000. */
  commandTimeoutMs?: number;
  /** Prefix of every Redis key and channel; nodes of one cluster share it. Default 'snorky:'. */
  keyPrefix?: string;
}

type ScriptedRedis = Redis & {
  snorkyBroadcast(
    meta: string,
    journal: string,
    onceKey: string,
    epochCandidate: string,
    channel: string,
    payload: string,
    retentionMs: number,
    max: number,
    onceTtlMs: number,
  ): Promise<number>;
  snorkyOncePublish(onceKey: string, channel: string, payload: string, onceTtlMs: number): Promise<number>;
  snorkyJournalHead(meta: string, journal: string, epoch: string): Promise<[string, string]>;
  snorkyJournalRead(meta: string, journal: string, epoch: string, from: number, upto: number): Promise<string[] | null>;
};

/** Hides a password in a Redis URL before it reaches a log or an error message. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

/**
 * The cluster engine: nodes share topics, broadcasts, journals and claims through one Redis.
 *
 * - Two connections: `publisher` (every command, so one node's publications keep their order) and
 *   `subscriber` (pub/sub mode). A topic's Redis channel is subscribed only while this node has a
 *   local subscriber on it, so a node receives only what it delivers.
 * - Fail fast: no offline queue and a command timeout, so while Redis is down an operation rejects
 *   at once with BrokerUnavailableError instead of hanging; the connections keep reconnecting and,
 *   once back, everything wanted is resubscribed and journaled channels catch up.
 */
export class RedisBroker extends Broker implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly publisher: ScriptedRedis;
  readonly subscriber: Redis;
  private readonly logger = new Logger('RedisBroker');
  private readonly url: string;
  private readonly prefix: string;
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly journalOptions = new Map<string, JournalOptions>();
  private readonly cursors = new Map<string, JournalCursor>();
  /** Redis channels whose SUBSCRIBE was acknowledged on the current connection. */
  private readonly confirmed = new Set<string>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly startup: Promise<void>[] = [];
  private closing = false;
  private wasReady = false;
  /**
   * Topics that had local subscribers when the subscriber connection dropped: what Redis had not
   * yet written to it is gone. Reported (topicsLost) once they are subscribed again.
   */
  private readonly lostTopics = new Set<string>();
  private up = false;
  private reconnectCount = 0;
  private readonly stateLog = new RateLimitedLog(this.logger, 'broker state changes');

  constructor(options: RedisBrokerOptions) {
    super();
    this.url = options.url;
    this.prefix = options.keyPrefix ?? 'snorky:';
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    const common: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.commandTimeoutMs,
      connectTimeout: this.commandTimeoutMs,
      autoResubscribe: false,
      // ioredis waits this long for a socket to close after disconnect() (it keeps the process alive).
      disconnectTimeout: 200,
      // Keep trying for ever, never faster than every 50 ms nor slower than every second.
      retryStrategy: (times) => (this.closing ? null : Math.min(50 * times, 1000)),
    };
    this.publisher = new Redis(this.url, { ...common, connectionName: 'snorky-publisher' }) as ScriptedRedis;
    this.subscriber = new Redis(this.url, { ...common, connectionName: 'snorky-subscriber' });
    this.publisher.defineCommand('snorkyBroadcast', { numberOfKeys: 3, lua: JOURNALED_BROADCAST });
    this.publisher.defineCommand('snorkyOncePublish', { numberOfKeys: 1, lua: ONCE_PUBLISH });
    this.publisher.defineCommand('snorkyJournalHead', { numberOfKeys: 2, lua: JOURNAL_HEAD });
    this.publisher.defineCommand('snorkyJournalRead', { numberOfKeys: 2, lua: JOURNAL_READ });
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onRedisMessage(channel.toString(), message));
    this.subscriber.on('ready', () => this.resubscribeAll());
    this.subscriber.on('close', () => {
      if (this.closing) return;
      for (const topic of this.localTopics()) this.lostTopics.add(topic);
    });
    this.watchHealth();
  }

  /** Prefix of every key and channel of this cluster (other Redis users of the cluster share it). */
  get keyPrefix(): string {
    return this.prefix;
  }

  override get clustered(): boolean {
    return true;
  }

  override get available(): boolean {
    return this.publisher.status === 'ready' && !this.closing;
  }

  /** Connects both connections; rejects with a clear message if Redis is not there in time. */
  async connect(): Promise<void> {
    let lastError = 'no answer';
    const onError = (err: Error) => (lastError = err.message || String(err));
    const connections = [this.publisher, this.subscriber];
    connections.forEach((c) => c.on('error', onError));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(connections.map((c) => this.whenReady(c))),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), this.connectTimeoutMs);
        }),
      ]);
    } catch {
      await this.close();
      throw new Error(
        `cluster.redis: cannot connect to Redis at ${redactRedisUrl(this.url)} within ${this.connectTimeoutMs} ms ` +
          `(${lastError}). Start Redis, fix the URL, or remove "cluster" to run a single node.`,
      );
    } finally {
      clearTimeout(timer);
      connections.forEach((c) => c.off('error', onError));
    }
    this.logger.log(`connected to Redis at ${redactRedisUrl(this.url)}`);
  }

  /** Before the app listens: the broadcast channels its services use are subscribed and in sync. */
  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.startup);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      [this.publisher, this.subscriber].map(async (c) => {
        try {
          if (c.status === 'ready') await c.quit();
        } catch {
          // not connected: nothing to say goodbye to
        }
        c.disconnect();
      }),
    );
  }

  // ---- fan-out ------------------------------------------------------------------------------

  async publish(topic: string, frame: FrameSource): Promise<void> {
    try {
      await this.publisher.publish(this.topicChannel(topic), frameOf(frame));
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  async broadcast(channel: string, payload: unknown, once?: BroadcastOnce): Promise<boolean> {
    const json = JSON.stringify(payload);
    const journal = this.journalOptions.get(channel);
    const onceKey = this.prefix + 'once:' + (once?.key ?? '-');
    try {
      if (!journal) {
        if (once) return (await this.publisher.snorkyOncePublish(onceKey, this.broadcastChannel(channel), json, once.ttlMs)) === 1;
        await this.publisher.publish(this.broadcastChannel(channel), json);
        return true;
      }
      const [meta, list] = this.journalKeys(channel);
      const max = journal.maxEntries ?? DEFAULT_JOURNAL_MAX_ENTRIES;
      // A fresh epoch candidate every call (see ENSURE_EPOCH in redis-scripts.ts).
      const seq = await this.publisher.snorkyBroadcast(
        meta,
        list,
        onceKey,
        randomUUID(),
        this.broadcastChannel(channel),
        json,
        journal.retentionMs,
        max,
        once?.ttlMs ?? 0,
      );
      return seq !== 0;
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  protected override topicWanted(topic: string, first: boolean): Promise<void> {
    const channel = this.topicChannel(topic);
    // The first local subscriber always sends SUBSCRIBE: an UNSUBSCRIBE may have followed one in flight.
    if (first) return this.subscribeRedis([channel]);
    if (this.confirmed.has(channel)) return Promise.resolve();
    return this.inFlight.get(channel) ?? this.subscribeRedis([channel]);
  }

  protected override topicUnwanted(topic: string): void {
    const channel = this.topicChannel(topic);
    this.confirmed.delete(channel);
    // While Redis is down there is nothing to undo: a new connection starts with no subscriptions.
    this.subscriber.unsubscribe(channel).catch(() => undefined);
  }

  protected override channelWanted(channel: string): void {
    const ready = this.subscribeRedis([this.broadcastChannel(channel)]).then(() => {
      const cursor = this.cursors.get(channel);
      if (!cursor) return;
      cursor.resync();
      return cursor.synced(this.commandTimeoutMs);
    });
    ready.catch(() => undefined);
    this.startup.push(ready);
  }

  // ---- journal ------------------------------------------------------------------------------

  override keepJournal(channel: string, options: JournalOptions): void {
    if (this.journalOptions.has(channel)) return;
    this.journalOptions.set(channel, options);
    const cursor = new JournalCursor(
      channel,
      {
        head: () => this.journalHead(channel),
        read: (from, upto) => this.readJournalEntries(channel, from, upto),
      },
      (payload, position) => this.emitLocal(channel, payload, position),
      this.logger,
      () => this.journalGap(channel),
    );
    this.cursors.set(channel, cursor);
    if (this.confirmed.has(this.broadcastChannel(channel))) cursor.resync();
  }

  override isJournaled(channel: string): boolean {
    return this.journalOptions.has(channel);
  }

  override journalPosition(channel: string): JournalPosition | undefined {
    return this.cursors.get(channel)?.syncedPosition;
  }

  override journalDelivered(channel: string): JournalPosition | undefined {
    return this.cursors.get(channel)?.position;
  }

  override async journalHead(channel: string): Promise<JournalPosition> {
    const [meta, list] = this.journalKeys(channel);
    try {
      const [epoch, seq] = await this.publisher.snorkyJournalHead(meta, list, randomUUID());
      return { epoch, seq: Number(seq) };
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  override journalReached(channel: string, position: JournalPosition): Promise<void> {
    const cursor = this.cursors.get(channel);
    if (!cursor) return Promise.reject(new Error(`${channel} is not a journaled channel`));
    return cursor.reached(position, this.commandTimeoutMs);
  }

  override async readJournal(channel: string, from: JournalPosition, upto: JournalPosition): Promise<unknown[] | undefined> {
    const entries = await this.readJournalEntries(channel, from, upto);
    return entries?.map((json) => JSON.parse(json));
  }

  /** The journal's payloads (JSON text) after `from` up to `upto`, or undefined if some are gone. */
  private async readJournalEntries(channel: string, from: JournalPosition, upto: JournalPosition): Promise<string[] | undefined> {
    if (from.epoch !== upto.epoch) return undefined;
    if (upto.seq <= from.seq) return [];
    const [meta, list] = this.journalKeys(channel);
    let entries: string[] | null;
    try {
      entries = await this.publisher.snorkyJournalRead(meta, list, from.epoch, from.seq, upto.seq);
    } catch (err) {
      throw this.unavailable(err);
    }
    if (!entries || entries.length !== upto.seq - from.seq) return undefined;
    // "seq ms payload": the payload starts after the second space.
    return entries.map((entry) => entry.slice(entry.indexOf(' ', entry.indexOf(' ') + 1) + 1));
  }

  // ---- claims -------------------------------------------------------------------------------

  override async putClaim(key: string, value: string, ttlMs: number): Promise<boolean> {
    try {
      return (await this.publisher.set(this.prefix + 'claim:' + key, value, 'PX', ttlMs, 'NX')) === 'OK';
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  override async takeClaim(key: string): Promise<string | undefined> {
    try {
      return (await this.publisher.getdel(this.prefix + 'claim:' + key)) ?? undefined;
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  override async readClaim(key: string): Promise<string | undefined> {
    try {
      return (await this.publisher.get(this.prefix + 'claim:' + key)) ?? undefined;
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  override async dropClaim(key: string): Promise<void> {
    try {
      await this.publisher.del(this.prefix + 'claim:' + key);
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  override async refreshClaims(keys: string[], ttlMs: number): Promise<void> {
    const pipeline = this.publisher.pipeline();
    for (const key of keys) pipeline.pexpire(this.prefix + 'claim:' + key, ttlMs);
    try {
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  // ---- Redis side ---------------------------------------------------------------------------

  private topicChannel(topic: string): string {
    return `${this.prefix}t:${topic}`;
  }

  private broadcastChannel(channel: string): string {
    return `${this.prefix}b:${channel}`;
  }

  private journalKeys(channel: string): [string, string] {
    return [`${this.prefix}jm:${channel}`, `${this.prefix}j:${channel}`];
  }

  private onRedisMessage(redisChannel: string, message: Buffer): void {
    const topicPrefix = `${this.prefix}t:`;
    if (redisChannel.startsWith(topicPrefix)) {
      // The publisher's frame, unchanged: one Buffer sent to every local subscriber.
      this.deliverLocal(redisChannel.slice(topicPrefix.length), message);
      return;
    }
    const channel = redisChannel.slice(this.prefix.length + 2);
    const cursor = this.cursors.get(channel);
    const text = message.toString('utf8');
    if (cursor) {
      const a = text.indexOf(' ');
      const b = text.indexOf(' ', a + 1);
      cursor.onMessage(text.slice(0, a), Number(text.slice(a + 1, b)), text.slice(b + 1));
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      this.logger.error(`broadcast on ${channel} is not JSON; dropped`);
      return;
    }
    this.emitLocal(channel, payload);
  }

  /** SUBSCRIBE, remembered until acknowledged so concurrent subscribers wait for the same answer. */
  private subscribeRedis(channels: string[]): Promise<void> {
    const done = this.subscriber.subscribe(...channels).then(
      () => {
        for (const c of channels) if (this.stillWanted(c)) this.confirmed.add(c);
      },
      (err) => {
        throw this.unavailable(err);
      },
    );
    const tracked = done.finally(() => {
      for (const c of channels) if (this.inFlight.get(c) === tracked) this.inFlight.delete(c);
    });
    tracked.catch(() => undefined);
    for (const c of channels) this.inFlight.set(c, tracked);
    return tracked;
  }

  private stillWanted(redisChannel: string): boolean {
    const topicPrefix = `${this.prefix}t:`;
    if (redisChannel.startsWith(topicPrefix)) return this.localSubscriberCount(redisChannel.slice(topicPrefix.length)) > 0;
    return true;
  }

  /** A (re)connected subscriber starts with no subscriptions: subscribe everything wanted, then catch up. */
  private resubscribeAll(): void {
    this.confirmed.clear();
    const channels = [
      ...[...this.handledChannels()].map((c) => this.broadcastChannel(c)),
      ...[...this.localTopics()].map((t) => this.topicChannel(t)),
    ];
    if (channels.length === 0) {
      this.lostTopics.clear();
      return;
    }
    this.subscribeRedis(channels).then(
      () => {
        for (const cursor of this.cursors.values()) cursor.resync();
        const lost = [...this.lostTopics].filter((t) => this.localSubscriberCount(t) > 0);
        this.lostTopics.clear();
        this.topicsLost(lost);
      },
      (err) => {
        // Still connected but the SUBSCRIBE failed (e.g. timed out under load): nothing else would
        // retry it, so this node would stay deaf to its channels. While disconnected, 'ready' retries.
        this.logger.warn(`resubscribing after reconnect failed (${(err as Error).message}); retrying`);
        setTimeout(() => {
          if (this.subscriber.status === 'ready' && !this.closing) this.resubscribeAll();
        }, 1000).unref();
      },
    );
  }

  /**
   * One log line per broker state change (up: both connections ready; down: either lost), through a
   * rate limit so a flapping network cannot flood the log; errors at most once per 10 s while down.
   */
  private watchHealth(): void {
    const ready = { publisher: false, subscriber: false };
    let lastErrorLog = 0;
    for (const [name, connection] of [
      ['publisher', this.publisher],
      ['subscriber', this.subscriber],
    ] as const) {
      connection.on('ready', () => {
        ready[name] = true;
        if (ready.publisher && ready.subscriber && !this.up) this.stateChanged(true, `${name} connection ready`);
      });
      connection.on('close', () => {
        ready[name] = false;
        if (this.up && !this.closing) this.stateChanged(false, `${name} connection lost; reconnecting`);
      });
      // An 'error' listener also keeps ioredis from printing its own lines.
      connection.on('error', (err: Error) => {
        if (this.closing || Date.now() - lastErrorLog < 10_000) return;
        lastErrorLog = Date.now();
        if (this.wasReady) this.logger.warn(`${name}: ${err.message}`);
      });
    }
  }

  private stateChanged(up: boolean, why: string): void {
    this.up = up;
    if (up && this.wasReady) this.reconnectCount++;
    if (this.wasReady) this.stateLog.log(`broker state: ${up ? 'up' : 'down'} (Redis at ${redactRedisUrl(this.url)}: ${why})`);
    this.wasReady ||= up;
  }

  override get reconnects(): number {
    return this.reconnectCount;
  }

  private whenReady(connection: Redis): Promise<void> {
    if (connection.status === 'ready') return Promise.resolve();
    const ready = new Promise<void>((resolve) => connection.once('ready', () => resolve()));
    if (connection.status === 'wait') connection.connect().catch(() => undefined);
    return ready;
  }

  private unavailable(err: unknown): BrokerUnavailableError {
    if (err instanceof BrokerUnavailableError) return err;
    const reason = err instanceof Error ? err.message : String(err);
    return new BrokerUnavailableError(`Redis unavailable at ${redactRedisUrl(this.url)}: ${reason}`);
  }
}
