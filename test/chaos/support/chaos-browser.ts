/**
 * A browser as the chaos test models it: our client SDK (in Node, `ws` sockets) with a live
 * collection (CollectionDeltaProcessor + ArrayCollection) of one app's tasks. It fetches the list
 * from the app's REST endpoint (X-Snorky: Subscribe) on load and again only when it is told its
 * view is stale (`subscriptionLost`); after a reconnection the SDK resumes its subscription, on
 * whichever node it reached, and tells it only when it cannot. Its sockets go through a "load
 * balancer" (NodePool) that sends each connection to a live node.
 */
import { ArrayCollection, CollectionDeltaProcessor, DataSync, PubSub, Snorky } from '@snorky/client';
import { PubSubWatcher } from '../../cluster/support/pubsub-watch';
import WebSocket from 'ws';
import { listAndSubscribe, Task, TaskApp } from './task-app';

export const PUBSUB_CHANNEL = 'chaos';

export type NodeState = 'up' | 'paused' | 'dead';

/** What a load balancer with health checks knows: which nodes take new connections. */
export class NodePool {
  readonly states: NodeState[];
  constructor(readonly urls: string[]) {
    this.states = urls.map(() => 'up');
  }
  /** The node `preferred` if it is up, else the next one up. */
  pick(preferred: number): number {
    for (let i = 0; i < this.urls.length; i++) {
      const node = (preferred + i) % this.urls.length;
      if (this.states[node] === 'up') return node;
    }
    throw new Error('no Snorky node is up');
  }
}

export type RefetchReason = 'load' | 'subscriptionLost';

export class ChaosBrowser {
  /** The live view: what the page shows. */
  readonly tasks: Task[] = [];
  readonly refetches: Record<RefetchReason, number> = { load: 0, subscriptionLost: 0 };
  /** Why it was told its view was stale: the `reason` of each subscriptionLost. */
  readonly lostReasons: string[] = [];
  /** Subscriptions resumed after a reconnection (what was missed delivered, no refetch). */
  resumes = 0;
  /** Failed refetch attempts (app or node unavailable meanwhile), each retried. */
  failedAttempts = 0;
  deltas = 0;
  connections = 0;
  /** The node the current socket goes to. */
  node = -1;
  readonly snorky: Snorky<any>;
  readonly datasync: DataSync;
  /** The browser's PubSub side: a subscription to one channel, and what it received or was told. */
  readonly pubsub: PubSubWatcher;
  /** When its first PubSub subscription was confirmed. */
  pubsubSince = Infinity;
  private socket: WebSocket | undefined;
  private pending: RefetchReason | undefined;
  private loop: Promise<void> | undefined;
  private subscribed = false;

  constructor(
    readonly name: string,
    readonly app: TaskApp,
    private readonly pool: NodePool,
    readonly home: number,
  ) {
    const browser = this;
    class BalancedSocket extends WebSocket {
      constructor(_address: string) {
        const node = pool.pick(home);
        super(pool.urls[node]);
        browser.node = node;
        browser.socket = this;
        browser.connections++;
      }
    }
    this.snorky = new Snorky('ws://load-balancer', { [app.service]: DataSync, pubsub: PubSub }, {
      socketClass: BalancedSocket as any,
      reconnect: { initialDelay: 50, maxDelay: 500, factor: 2, jitter: 0.5, restartWindow: 200 },
    });
    const datasync = (this.datasync = this.snorky.services[app.service] as DataSync);
    this.pubsub = new PubSubWatcher(this.snorky.services.pubsub as PubSub, this.snorky, PUBSUB_CHANNEL);
    new CollectionDeltaProcessor({ Task: new ArrayCollection(this.tasks) }).listenTo(datasync);
    datasync.deltaReceived.add(() => this.deltas++);
    datasync.subscriptionLost.add(({ reason }) => {
      this.lostReasons.push(reason);
      this.stale('subscriptionLost');
    });
    datasync.subscriptionResumed.add(() => {
      this.resumes++;
      if (!this.loop) this.subscribed = true;
    });
    this.snorky.disconnected.add(() => (this.subscribed = false));
  }

  /** Loads the page: the first fetch and subscription. */
  async load(): Promise<void> {
    this.stale('load');
    await this.loop;
  }

  /** Subscribes to the PubSub channel (restored by the SDK after each reconnection). */
  async subscribeChannel(): Promise<void> {
    await this.pubsub.pubsub.subscribe({ channel: PUBSUB_CHANNEL });
    this.pubsubSince = Date.now();
  }

  /** Drops the socket as a network would (no close handshake): the SDK reconnects. */
  dropSocket(): void {
    this.socket?.terminate();
  }

  get live(): boolean {
    return this.subscribed && this.snorky.isConnected;
  }

  close(): void {
    this.snorky.disconnect();
  }

  /** The view is stale: fetch the list again and acquire a new subscription (once, whatever the number of signals meanwhile). */
  private stale(reason: RefetchReason): void {
    this.pending ??= reason;
    if (this.loop) return;
    this.loop = (async () => {
      while (this.pending) {
        const why = this.pending;
        this.pending = undefined;
        try {
          this.subscribed = false;
          const { tasks, token } = await listAndSubscribe(this.app);
          this.tasks.splice(0, this.tasks.length, ...tasks);
          await this.datasync.acquireSubscription({ token });
          this.subscribed = true;
          this.refetches[why]++; // counted once done: an attempt that failed is retried, not counted twice
        } catch {
          // The app or the node was unavailable (Redis down, node paused): the view is still stale.
          this.failedAttempts++;
          this.pending ??= why;
          await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
        }
      }
      this.loop = undefined;
    })();
  }
}
