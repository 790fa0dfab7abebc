/**
 * PubSub loss accounting shared by the cluster regression tests and the chaos test: publishers that
 * record every publication the server answered 200, and subscribers (our client SDK) that record what
 * they received and when they were told they may have missed something (`channelLost`) or lost
 * their connection. The rule checked (issue 12): every publication answered 200 reached every
 * subscriber that stayed subscribed, or that subscriber was told.
 */
import { PubSub, Snorky } from '@snorky/client';
import WebSocket from 'ws';
import { StandaloneServer } from '../../support/standalone-server';
import { backend } from './cluster';

export interface Publication {
  n: number;
  sentAt: number;
}

/** Publishes `{ n, pad }` on `channel` through the backend of `pickNode()` until stopped; keeps those answered 200. */
export function startPublishers(pickNode: () => StandaloneServer | undefined, channel: unknown, concurrency: number, padBytes = 0, pauseMs = 0, backendService = 'pubsub_backend') {
  const answered: Publication[] = [];
  let refused = 0;
  let n = 0;
  let running = true;
  const pad = 'x'.repeat(padBytes);
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      const node = pickNode();
      const publication = { n: n++, sentAt: Date.now() };
      try {
        if (!node) throw new Error('no node');
        const res = await backend(node, backendService, 'publish', { channel, message: { n: publication.n, pad } });
        if (res.status === 200 && res.message?.type === 'response') answered.push(publication);
        else refused++;
      } catch {
        refused++;
      }
      if (pauseMs > 0 || refused > 0) await new Promise((r) => setTimeout(r, pauseMs || 5));
    }
  });
  return {
    answered,
    get refused() {
      return refused;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** One subscriber's side: what it received and when it was told (channelLost) or cut off (disconnect). */
export class PubSubWatcher {
  readonly received = new Set<number>();
  /** Times of channelLost notifications. */
  readonly lostAt: number[] = [];
  /** Times the connection dropped (the app knows: subscriptionsRestored follows). */
  readonly disconnectedAt: number[] = [];
  /** Times the SDK had subscribed again after a reconnection (subscriptionsRestored). */
  readonly restoredAt: number[] = [];

  constructor(readonly pubsub: PubSub, snorky: Snorky<any>, channel: unknown) {
    pubsub.messagePublished.add(({ message }) => this.received.add((message as { n: number }).n));
    pubsub.channelLost.add(() => this.lostAt.push(Date.now()));
    snorky.disconnected.add(() => this.disconnectedAt.push(Date.now()));
    pubsub.subscriptionsRestored.add(() => this.restoredAt.push(Date.now()));
    void channel;
  }

  /**
   * Publications this subscriber should have received and did not: answered 200, sent while it was
   * subscribed (after its first subscription, not between a disconnection and the SDK's
   * resubscription), and not followed by a channelLost or a disconnection it was told about.
   */
  missing(answered: Publication[], firstSubscribedAt: number): number[] {
    const toldAfter = (t: number) => this.lostAt.some((at) => at >= t) || this.disconnectedAt.some((at) => at >= t);
    const subscribedAt = (t: number) => {
      const lastDrop = Math.max(-Infinity, ...this.disconnectedAt.filter((at) => at <= t));
      return t >= firstSubscribedAt && (lastDrop === -Infinity || this.restoredAt.some((at) => at >= lastDrop && at <= t));
    };
    return answered.filter((p) => subscribedAt(p.sentAt) && !this.received.has(p.n) && !toldAfter(p.sentAt)).map((p) => p.n);
  }
}

/** A Node client with a PubSub connector, subscribed to `channel` on `url`. */
export async function subscribedClient(url: string | (() => string), channel: unknown): Promise<{ snorky: Snorky<{ pubsub: typeof PubSub }>; watcher: PubSubWatcher; subscribedAt: number }> {
  const pick = typeof url === 'string' ? () => url : url;
  class PickedSocket extends WebSocket {
    constructor(_address: string) {
      super(pick());
    }
  }
  const snorky = new Snorky('ws://picked', { pubsub: PubSub }, { socketClass: PickedSocket as any, reconnect: { initialDelay: 50, maxDelay: 400, factor: 2, jitter: 0.5, restartWindow: 200 } });
  const watcher = new PubSubWatcher(snorky.services.pubsub, snorky, channel);
  await snorky.services.pubsub.subscribe({ channel });
  return { snorky, watcher, subscribedAt: Date.now() };
}
