import { Inject, OnApplicationShutdown, Optional } from '@nestjs/common';
import { JournalPosition, parsePosition } from '../../broker/journal';
import type { Client } from '../../client/client';
import { encodeEnvelope } from '../../protocol/envelope';
import { canonicalJson } from '../../protocol/json-value';
import { ErrorText } from '../../protocol/error-text';
import { RpcCommand } from '../../rpc/rpc-command.decorator';
import { RpcError } from '../../rpc/rpc-error';
import { RpcRequest } from '../../rpc/rpc-request';
import { RpcService } from '../../rpc/rpc.service';
import { SnorkyService } from '../../rpc/snorky-service.decorator';
import { SubscriptionQuota } from '../../limits/subscription-quota';
import type { ServiceStats } from '../../metrics/node-stats';
import { ClientChannels } from './client-channels';
import { keptAfter, ResumingSubscribers } from './resuming-subscribers';
import { withPosition } from './message-position';
import { PositionNotices } from '../position-notices';
import { ChannelParams, PublishParams, SubscribeParams } from './pubsub.params';

export const PUBSUB_OPTIONS = Symbol('PUBSUB_OPTIONS');

export interface PubSubOptions {
  /** Overrides the `@SnorkyService` name (several pub/subs in one app). */
  name?: string;
  /** false makes a "private" pub/sub: only the backend publishes. Default true. */
  frontendPublish?: boolean;
  /**
   * How publications are delivered:
   * - 'best-effort' (default): in a cluster, Redis PUBLISH to the nodes that have subscribers of the
   *   channel. A node that lost its Redis subscription (Redis restart, dropped at the output-buffer
   *   limit) tells its subscribers `channelLost`. A client that reconnects has missed what was
   *   published meanwhile (`subscribe` ignores `position`).
   * - 'journaled': every publication is numbered and kept in a journal (`journalRetention`; in Redis
   *   in a cluster, in memory on a single node) and sent to every node; a node that missed some reads
   *   them back, so its subscribers get them late rather than being told. Told `channelLost` only when
   *   the journal no longer holds them or started over (Redis lost its data). Message frames carry
   *   their `position`, and a client that reconnects resubscribes with the last one it received to
   *   get what it missed (docs/protocol-notes.md, "PubSub: resume"). In a cluster it costs a script
   *   per publication and sends every publication of the service to every node.
   */
  delivery?: PubSubDelivery;
  /** Journaled delivery: how long publications are kept, in seconds. Default 60. */
  journalRetention?: number;
  /**
   * Journaled delivery: seconds between `position` notifications to connections that subscribed to
   * resume (so a quiet channel can resume after many publications on others). Default 15 (as DataSync); 0 = never.
   */
  positionInterval?: number;
}

export type PubSubDelivery = 'best-effort' | 'journaled';

export const DEFAULT_PUBSUB_JOURNAL_RETENTION = 60;
export const DEFAULT_PUBSUB_POSITION_INTERVAL = 15;

/** Journal entries read back per step when a subscription resumes (a bounded Redis reply). */
const RESUME_READ_CHUNK = 500;

/** A journaled publication as broadcast: the topic and the encoded frame its subscribers receive. */
interface JournaledPublication {
  t: string;
  f: string;
}

/**
 * PROTOCOL §3. Channels are any JSON value compared by value: the canonical (key-sorted) JSON
 * is the channel's identity, and the broker topic. Every key counts, whatever its name
 * (`{"room": 1, "__proto__": 2}` is not `{"room": 1}`).
 *
 * Memory per subscribed channel is one string (PROTOCOL §11): the topic, held by the broker's map and
 * by the client's set as the same string. (It used to be two: the canonical key here and
 * `pubsub:<name>:<key>` in the broker, a copy as large as the channel.)
 */
@SnorkyService('pubsub')
export class PubSubService extends RpcService implements OnApplicationShutdown {
  /** client -> topics it holds (to answer Already/Not subscribed and clean up). */
  private readonly subscriptions = new ClientChannels<Client>();
  /** Journaled: subscriptions being caught up from the journal. */
  private readonly resuming = new ResumingSubscribers<Client>();
  /** Journaled: `position` notifications to the connections that subscribed to resume. */
  private positions?: PositionNotices;
  private stats?: ServiceStats;
  /** Subscriptions per connection (PROTOCOL §11), read from `subscriptions`: nothing stored per connection. */
  private quota = this.quotaOf(this.limits.maxSubscriptions);

  constructor(@Optional() @Inject(PUBSUB_OPTIONS) private readonly options: PubSubOptions = {}) {
    super();
    if (options.name) this.name = options.name;
  }

  private listeningForLosses = false;

  protected override onAttach(): void {
    this.quota = this.quotaOf(this.limits.maxSubscriptions);
    this.stats = this.metrics.service(this.name);
    this.stats.subscriptions = () => this.subscriptions.size;
    if (this.listeningForLosses) return;
    this.listeningForLosses = true;
    if (this.journaled) {
      const retention = (this.options.journalRetention ?? DEFAULT_PUBSUB_JOURNAL_RETENTION) * 1000;
      this.broker.keepJournal(this.journalChannel, { retentionMs: retention });
      this.broker.onJournalGap(this.journalChannel, () => {
        this.resuming.markAllLost();
        this.tellChannelsLost(this.broker.subscribedTopics());
      });
      this.broker.onBroadcast(this.journalChannel, (payload, position) => this.deliverJournaled(payload as JournaledPublication, position!));
      this.positions = new PositionNotices(
        this.name,
        (this.options.positionInterval ?? DEFAULT_PUBSUB_POSITION_INTERVAL) * 1000,
        () => this.broker.journalPosition(this.journalChannel),
        (client) => this.subscriptions.count(client) > 0,
      );
      return;
    }
    this.broker.onTopicsLost((topics) => this.tellChannelsLost(topics));
  }

  onApplicationShutdown(): void {
    this.positions?.close();
  }

  /** Journaled delivery: on a single node too (a memory journal), so that clients can resume. */
  private get journaled(): boolean {
    return this.options.delivery === 'journaled';
  }

  /** One journaled publication reaching this node: its frame gets the position once, for all recipients. */
  private deliverJournaled({ t, f }: JournaledPublication, position: JournalPosition): void {
    let frame: string | undefined;
    const build = () => (frame ??= withPosition(f, position));
    this.resuming.keep(t, position, build);
    this.broker.deliverToLocalSubscribers(t, build);
  }

  /** The journaled broadcast channel carrying this service's publications to every node. */
  private get journalChannel(): string {
    return `pubsub:${this.name}`;
  }

  /**
   * Publications on these topics may not have reached this node (its Redis subscription dropped):
   * each subscriber is told `{"type": "channelLost", "channel": …}` (docs/protocol-notes.md) and
   * stays subscribed; what it missed is for the app to fetch again. Clients that do not know the
   * notification (the original Snorky.js) ignore it.
   */
  private tellChannelsLost(topics: string[]): void {
    const prefix = this.topicPrefix;
    for (const topic of topics) {
      if (!topic.startsWith(prefix)) continue;
      const subscribers = this.broker.localSubscribers(topic);
      if (subscribers.size === 0) continue;
      const frame = encodeEnvelope(this.name, { type: 'channelLost', channel: JSON.parse(topic.slice(prefix.length)) });
      for (const client of subscribers) client.send(frame);
    }
  }

  private quotaOf(max: number): SubscriptionQuota {
    return new SubscriptionQuota(max, (client) => this.subscriptions.count(client as Client));
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

  /**
   * With `position` or `resume` on a journaled service: replies `{"position": …}` (see
   * `subscribeResumable`). Best-effort services ignore both and reply null.
   */
  @RpcCommand()
  async subscribe({ channel, position, resume }: SubscribeParams, req: RpcRequest): Promise<{ position: JournalPosition } | void> {
    const key = this.topicOf(channel);
    if (this.subscriptions.has(req.client, key)) throw new RpcError(ErrorText.AlreadySubscribed);
    this.quota.take(req.client);
    // Held before the policy answers: a disconnect meanwhile (clientDisconnected) cleans it up.
    this.subscriptions.add(req.client, key);
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
      if (!this.subscriptions.has(req.client, key)) return; // the client left while the policy ran
    }
    if (this.journaled && (position !== undefined || resume === true)) return this.subscribeResumable(key, channel, req.client, parsePosition(position));
    try {
      // In a cluster this waits until publications from every node reach the client.
      await this.broker.subscribe(key, req.client);
    } catch (err) {
      this.forget(req.client, key);
      throw err;
    }
  }

  /**
   * Subscribes `client` so that it can resume later; with `from`, first sends what was published on
   * the channel after it, from the journal, in order. Live publications meanwhile are kept and sent
   * after those (the ClusterSubscriptionHandoff pattern: hold, read back, flush, register — the last
   * two in one synchronous step). Another epoch, a position this node's journal never reached, or one
   * it no longer holds the publications after: the subscription is made and `channelLost` sent.
   * Replies the position up to which everything of the channel has been sent.
   */
  private async subscribeResumable(topic: string, channel: unknown, client: Client, from?: JournalPosition): Promise<{ position: JournalPosition } | void> {
    const hold = this.resuming.start(topic, client);
    let ready: Promise<void>;
    let sent: JournalPosition;
    try {
      let here = this.broker.inSyncJournalPosition(this.journalChannel);
      let complete = true;
      if (from) {
        if (from.epoch === here.epoch && from.seq > here.seq) {
          // Another node may be ahead of this one: wait for this one to get there, if the journal did.
          const head = await this.broker.journalHead(this.journalChannel);
          if (head.epoch === from.epoch && head.seq >= from.seq) await this.broker.journalReached(this.journalChannel, from);
          here = this.broker.inSyncJournalPosition(this.journalChannel);
        }
        complete = from.epoch === here.epoch && from.seq <= here.seq && (await this.sendMissed(topic, client, from, here));
      }
      // Unsubscribed or gone meanwhile (or unsubscribed and subscribed again: that subscribe goes on).
      if (!this.subscriptions.has(client, topic) || !this.resuming.holds(topic, client, hold)) return;
      this.positions?.add(client);
      if (!complete || hold.lost) client.send(encodeEnvelope(this.name, { type: 'channelLost', channel: JSON.parse(topic.slice(this.topicPrefix.length)) }));
      for (const frame of keptAfter(hold, here)) client.send(frame);
      ready = this.broker.subscribe(topic, client);
      // Everything of the channel up to this node's position has now been sent (or is live from here).
      sent = this.broker.journalDelivered(this.journalChannel) ?? here;
    } catch (err) {
      if (this.resuming.holds(topic, client, hold)) this.forget(client, topic);
      throw err;
    } finally {
      this.resuming.end(topic, client, hold);
    }
    try {
      await ready;
    } catch (err) {
      this.forget(client, topic);
      throw err;
    }
    return { position: { epoch: sent.epoch, seq: sent.seq } };
  }

  /**
   * Sends `client` the publications on `topic` after `from` up to `upto` (same epoch) from the
   * journal, with their positions. False when the journal no longer holds them all.
   */
  private async sendMissed(topic: string, client: Client, from: JournalPosition, upto: JournalPosition): Promise<boolean> {
    for (let seq = from.seq; seq < upto.seq; ) {
      const to = Math.min(upto.seq, seq + RESUME_READ_CHUNK);
      const payloads = await this.broker.readJournal(this.journalChannel, { epoch: from.epoch, seq }, { epoch: from.epoch, seq: to });
      if (!payloads) return false;
      if (!this.subscriptions.has(client, topic)) return true;
      payloads.forEach((payload, i) => {
        const { t, f } = payload as JournaledPublication;
        if (t === topic) client.send(withPosition(f, { epoch: from.epoch, seq: seq + 1 + i }));
      });
      seq = to;
    }
    return true;
  }

  @RpcCommand()
  unsubscribe({ channel }: ChannelParams, req: RpcRequest): void {
    const key = this.topicOf(channel);
    if (!this.subscriptions.has(req.client, key)) throw new RpcError(ErrorText.NotSubscribed);
    this.forget(req.client, key);
  }

  @RpcCommand()
  async publish({ channel, message }: PublishParams, req: RpcRequest): Promise<void> {
    const topic = this.topicOf(channel);
    if (!(await this.canPublish(req.client, channel))) throw new RpcError(ErrorText.NotAuthorized);
    await this.publishOn(topic, channel, message);
  }

  /** Publishes regardless of policy (the backend path). Serialized once for all subscribers, or never if there are none. */
  publishToChannel(channel: unknown, message: unknown): Promise<void> {
    return this.publishOn(this.topicOf(channel), channel, message);
  }

  /** Serialized once for all subscribers, or never if this single node has none (a thunk). */
  private async publishOn(topic: string, channel: unknown, message: unknown): Promise<void> {
    const frame = () => encodeEnvelope(this.name, { type: 'message', channel, message });
    if (this.stats) this.stats.publications++;
    if (this.journaled) {
      const publication: JournaledPublication = { t: topic, f: frame() };
      await this.broker.broadcast(this.journalChannel, publication);
      return;
    }
    return this.broker.publish(topic, frame);
  }

  /** Ends one subscription (unsubscribe, refused by the policy, or one that could not be completed). */
  private forget(client: Client, topic: string): void {
    if (!this.subscriptions.delete(client, topic)) return;
    this.quota.release(client);
    this.broker.unsubscribe(topic, client);
  }

  override clientDisconnected(client: Client): void {
    this.quota.forget(client);
    this.positions?.forget(client);
    for (const topic of this.subscriptions.take(client)) this.broker.unsubscribe(topic, client);
  }

  /**
   * The broker topic of a channel, `pubsub:<name>:<canonical JSON>`, which also keys the client's set.
   * A channel whose canonical JSON is over `limits.maxChannelSize` bytes is `Invalid params`
   * (PROTOCOL §11), for every command.
   */
  private topicOf(channel: unknown): string {
    const key = canonicalJson(channel);
    const max = this.limits.maxChannelSize;
    if (max > 0 && (key.length > max || Buffer.byteLength(key) > max)) throw new RpcError(ErrorText.InvalidParams);
    return `${this.topicPrefix}${key}`;
  }

  private get topicPrefix(): string {
    return `pubsub:${this.name}:`;
  }
}
