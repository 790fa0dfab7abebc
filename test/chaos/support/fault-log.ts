/**
 * The faults the chaos test injects, each with what it visibly did (read from the browsers'
 * counters and the nodes' logs), so the test's summary shows every fault's effect and a fault that
 * had none (e.g. no browser on the paused node) is reported as a problem instead of passing unseen.
 */
import { RedisProcess } from '../../cluster/support/redis-process';
import { StandaloneServer } from '../../support/standalone-server';
import { ChaosBrowser, NodePool } from './chaos-browser';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FaultEntry {
  kind: 'pause' | 'kill' | 'redis' | 'drop';
  text: string;
  toString(): string;
}

export class FaultLog {
  readonly entries: FaultEntry[] = [];
  /** Faults whose effect did not show. */
  readonly problems: string[] = [];
  private readonly t0 = Date.now();

  constructor(
    private readonly browsers: ChaosBrowser[],
    private readonly nodes: StandaloneServer[],
    private readonly redis: RedisProcess,
    private readonly pool: NodePool,
  ) {}

  /** SIGSTOP a node for `ms`: its browsers freeze (no delta), then catch up from the journal after SIGCONT. */
  async pauseNode(index: number, ms: number): Promise<void> {
    const at = this.now();
    const refetches = this.refetches();
    this.pool.states[index] = 'paused';
    this.nodes[index].process.kill('SIGSTOP');
    // Frames already on the wire still arrive: count from a moment later.
    await sleep(300);
    const onNode = this.browsers.filter((b) => b.node === index && b.live).map((b) => ({ b, deltas: b.deltas, connections: b.connections }));
    await sleep(ms - 300);
    // Browsers still on the node (not moved by a random drop meanwhile).
    const stayed = onNode.filter((s) => s.b.connections === s.connections);
    const whilePaused = stayed.reduce((n, s) => n + s.b.deltas - s.deltas, 0);
    this.nodes[index].process.kill('SIGCONT');
    this.pool.states[index] = 'up';
    await sleep(2000);
    const after = stayed.reduce((n, s) => n + s.b.deltas - s.deltas, 0) - whilePaused;
    if (stayed.length === 0) this.problems.push(`pause of node ${index}: no browser stayed on it`);
    if (whilePaused !== 0) this.problems.push(`pause of node ${index}: ${whilePaused} deltas arrived while it was stopped`);
    this.add(
      'pause',
      `${at} SIGSTOP node ${index} for ${ms / 1000} s: ${stayed.length} browsers on it got ${whilePaused} deltas while it was stopped, ` +
        `${after} within 2 s of SIGCONT (caught up from the journal); ${this.refetches() - refetches} refetches meanwhile (all browsers)`,
    );
  }

  /**
   * kill -9 a node: its browsers reconnect to the others and resume their subscriptions there (or,
   * told their views are stale, refetch).
   * Resolves once they are live again (or 20 s passed); the fault itself is immediate.
   */
  async killNode(index: number): Promise<void> {
    const at = this.now();
    const onNode = this.browsers.filter((b) => b.node === index);
    const told = (b: ChaosBrowser) => b.refetches.subscriptionLost + b.resumes;
    const before = onNode.map(told);
    const resumesBefore = onNode.map((b) => b.resumes);
    const lostBefore = onNode.map((b) => b.refetches.subscriptionLost);
    this.pool.states[index] = 'dead';
    this.nodes[index].process.kill('SIGKILL');
    const started = Date.now();
    const backAfter = new Map<ChaosBrowser, number>();
    while (backAfter.size < onNode.length && Date.now() - started < 20_000) {
      onNode.forEach((b, i) => {
        if (!backAfter.has(b) && b.live && b.node !== index && told(b) > before[i]) backAfter.set(b, Date.now() - started);
      });
      await sleep(50);
    }
    if (onNode.length === 0) this.problems.push(`kill of node ${index}: no browser was on it`);
    if (backAfter.size !== onNode.length) this.problems.push(`kill of node ${index}: ${onNode.length - backAfter.size} of its browsers did not come back within 20 s`);
    const times = onNode.map((b) => `${b.name} ${((backAfter.get(b) ?? NaN) / 1000).toFixed(1)} s`).join(', ');
    this.add(
      'kill',
      `${at} kill -9 node ${index}: its ${onNode.length} browsers reconnected to node(s) ${[...new Set(onNode.map((b) => b.node))].sort().join(',')}, ` +
        `resumed there (${onNode.reduce((n, b, i) => n + b.resumes - resumesBefore[i], 0)}) or were told and refetched ` +
        `(${onNode.reduce((n, b, i) => n + b.refetches.subscriptionLost - lostBefore[i], 0)}), live again after: ${times}`,
    );
  }

  /** Kill Redis, restart it empty after `ms`: publishes are refused (503) and retried by the connectors; nodes reconnect. */
  async restartRedis(ms: number): Promise<void> {
    const at = this.now();
    // Nodes up (a paused node reconnects once it runs again).
    const live = this.nodes.filter((_, i) => this.pool.states[i] === 'up');
    const count = (re: RegExp) => live.reduce((n, node) => n + (node.output().match(re)?.length ?? 0), 0);
    const backBefore = count(/broker state: up/g);
    const refetches = this.refetches();
    const deltas = this.deltas();
    await this.redis.stop();
    await sleep(ms);
    const whileDown = this.deltas() - deltas;
    await this.redis.restart();
    const started = Date.now();
    // Every running node says it is up again (both its connections, publisher and subscriber, ready).
    while (count(/broker state: up/g) - backBefore < live.length && Date.now() - started < 10_000) await sleep(100);
    const back = count(/broker state: up/g) - backBefore;
    const backAfterMs = Date.now() - started;
    // The connectors retry what was refused meanwhile (with backoff): the first delta after the restart.
    while (this.deltas() - deltas - whileDown === 0 && Date.now() - started < 10_000) await sleep(50);
    const firstDeltaMs = Date.now() - started;
    if (back < live.length) this.problems.push(`Redis restart: only ${back} of ${live.length} running nodes came back up`);
    this.add(
      'redis',
      `${at} Redis killed, restarted empty after ${ms / 1000} s: ${whileDown} deltas reached browsers while it was down; ` +
        `${back} of the ${live.length} running nodes up again within ${(backAfterMs / 1000).toFixed(1)} s; first delta ${(firstDeltaMs / 1000).toFixed(1)} s after the restart; ` +
        `${this.refetches() - refetches} refetches meanwhile`,
    );
  }

  /** Every `everyMs`, one browser on a live node loses its socket. Call stop() to end and log. */
  dropSocketsAtRandom(everyMs: number): { stop(): void } {
    const at = this.now();
    let dropped = 0;
    const refetches = this.refetches();
    const resumes = this.browsers.reduce((n, b) => n + b.resumes, 0);
    const timer = setInterval(() => {
      const candidates = this.browsers.filter((b) => b.snorky.isConnected && this.pool.states[b.node] === 'up');
      if (candidates.length === 0) return;
      candidates[Math.floor(Math.random() * candidates.length)].dropSocket();
      dropped++;
    }, everyMs);
    return {
      stop: () => {
        clearInterval(timer);
        if (dropped === 0) this.problems.push('no socket was dropped');
        this.add('drop', `${at} ${dropped} browser sockets dropped at random (one every ${everyMs / 1000} s until ${this.now()}); refetches meanwhile (all causes): ${this.refetches() - refetches}, resumes: ${this.browsers.reduce((n, b) => n + b.resumes, 0) - resumes}`);
      },
    };
  }

  /** Lines of the nodes' logs matching `re`, per node. */
  logLines(re: RegExp): number[] {
    return this.nodes.map((n) => n.output().split('\n').filter((line) => re.test(line)).length);
  }

  private add(kind: FaultEntry['kind'], text: string): void {
    this.entries.push({ kind, text, toString: () => text });
  }

  private now(): string {
    return `t+${((Date.now() - this.t0) / 1000).toFixed(1)}s`;
  }

  private refetches(): number {
    return this.browsers.reduce((n, b) => n + b.refetches.subscriptionLost, 0);
  }

  private deltas(): number {
    return this.browsers.reduce((n, b) => n + b.deltas, 0);
  }
}
