import type { Client } from '../client/client';
import type { Frame } from '../protocol/envelope';

export type BroadcastHandler = (payload: unknown) => void;

/**
 * The fan-out seam. Services never loop over sockets: they publish a frame on a topic and every node
 * delivers it to its own local subscribers. `LocalBroker` is the single-node engine; a cluster engine
 * (Redis) overrides only `publish`/`broadcast` transport and calls `deliverLocal`/`emitLocal` on arrival.
 * Used as the injection token too (Nest style: an abstract class as token).
 */
export abstract class Broker {
  private readonly topics = new Map<string, Set<Client>>();
  private readonly handlers = new Map<string, BroadcastHandler[]>();

  /** Subscribes a client of this node to `topic`. Idempotent. */
  subscribe(topic: string, client: Client): void {
    let clients = this.topics.get(topic);
    if (!clients) this.topics.set(topic, (clients = new Set()));
    clients.add(client);
  }

  unsubscribe(topic: string, client: Client): void {
    const clients = this.topics.get(topic);
    if (!clients) return;
    clients.delete(client);
    if (clients.size === 0) this.topics.delete(topic);
  }

  /** Number of local subscribers (for tests, metrics). */
  localSubscriberCount(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  /** Delivers `frame` to every subscriber of `topic` on every node. Resolves once it is handed on. */
  abstract publish(topic: string, frame: Frame): Promise<void>;

  /** Sends `payload` to the `channel` handlers of every node, this one included. */
  abstract broadcast(channel: string, payload: unknown): Promise<void>;

  onBroadcast(channel: string, handler: BroadcastHandler): void {
    const list = this.handlers.get(channel) ?? [];
    list.push(handler);
    this.handlers.set(channel, list);
  }

  /** Delivers to this node's subscribers. The frame is turned into bytes once, not once per recipient. */
  protected deliverLocal(topic: string, frame: Frame): void {
    const clients = this.topics.get(topic);
    if (!clients || clients.size === 0) return;
    const bytes = typeof frame === 'string' && clients.size > 1 ? Buffer.from(frame) : frame;
    for (const client of clients) client.send(bytes);
  }

  protected emitLocal(channel: string, payload: unknown): void {
    for (const handler of this.handlers.get(channel) ?? []) handler(payload);
  }
}

/** Single-node broker: publishing is local delivery. */
export class LocalBroker extends Broker {
  async publish(topic: string, frame: Frame): Promise<void> {
    this.deliverLocal(topic, frame);
  }

  async broadcast(channel: string, payload: unknown): Promise<void> {
    this.emitLocal(channel, payload);
  }
}
