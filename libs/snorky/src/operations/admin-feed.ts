import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Broker } from '../broker/broker';
import { SnorkyHealth } from '../health/snorky-health';
import { quantileOf } from '../metrics/latency';
import { CommandStats } from '../metrics/node-stats';
import { SnorkyMetrics } from '../metrics/snorky-metrics';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import type { SnorkyModuleOptions } from '../snorky-options';
import type { CommandReport, NodeReport } from './node-report';

export const NODE_REPORTS_CHANNEL = 'admin:nodes';
const DEFAULT_REPORT_INTERVAL = 2;
/** Reports kept per node: 5 minutes at the default interval. */
const HISTORY = 150;
/** A node not heard from for this many intervals (and at least STALE_MIN_MS) is shown as gone, then forgotten after HISTORY. */
const STALE_INTERVALS = 3;
const STALE_MIN_MS = 10_000;

interface Totals {
  framesReceived: number;
  framesSent: number;
  deltasPublished: number;
  deltasDelivered: number;
  publications: number;
}

/**
 * Every report interval this node turns its counters into a NodeReport and broadcasts it on the
 * broker (local on a single node, through Redis in a cluster); every node keeps the last minutes of
 * every node's reports for the admin page.
 */
@Injectable()
export class AdminFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly intervalSeconds: number;
  /** Only a node that serves the admin page reports (and listens to reports). */
  private readonly enabled: boolean;
  private readonly history = new Map<string, NodeReport[]>();
  private timer?: NodeJS.Timeout;
  private last: { at: number; totals: Totals; buckets: Map<CommandStats, Float64Array> };

  constructor(
    @Inject(SNORKY_OPTIONS) options: SnorkyModuleOptions,
    private readonly metrics: SnorkyMetrics,
    private readonly health: SnorkyHealth,
    private readonly broker: Broker,
  ) {
    const operations = options.operations;
    this.intervalSeconds = (operations && operations.reportInterval) || DEFAULT_REPORT_INTERVAL;
    this.enabled = adminServed(options);
    this.last = { at: Date.now(), totals: this.totals(), buckets: new Map() };
    if (this.enabled) this.broker.onBroadcast(NODE_REPORTS_CHANNEL, (payload) => this.receive(payload as NodeReport));
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => this.publish(), this.intervalSeconds * 1000);
    this.timer.unref();
    this.publish();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Every node heard from recently, with its reports (oldest first). */
  nodes(): { node: string; self: boolean; stale: boolean; reports: NodeReport[] }[] {
    const now = Date.now();
    const out = [];
    for (const [node, reports] of this.history) {
      const latest = reports[reports.length - 1];
      const age = now - latest.at;
      if (age > HISTORY * this.intervalSeconds * 1000) {
        this.history.delete(node);
        continue;
      }
      out.push({ node, self: node === this.metrics.nodeId, stale: age > Math.max(STALE_INTERVALS * latest.intervalSeconds * 1000, STALE_MIN_MS), reports });
    }
    return out.sort((a, b) => a.node.localeCompare(b.node));
  }

  /** Builds this node's report now (also what tests read). */
  report(): NodeReport {
    const now = Date.now();
    const seconds = Math.max((now - this.last.at) / 1000, 0.001);
    const totals = this.totals();
    const rate = (key: keyof Totals) => (totals[key] - this.last.totals[key]) / seconds;
    const stats = this.metrics.stats;
    const subscriptions: Record<string, number> = {};
    for (const [name, service] of stats.services) subscriptions[name] = service.subscriptions();
    const rpc: CommandReport[] = [];
    const buckets = new Map<CommandStats, Float64Array>();
    for (const command of stats.commands) {
      buckets.set(command, command.buckets.slice());
      const before = this.last.buckets.get(command);
      const delta = Array.from(command.buckets, (n, i) => n - (before?.[i] ?? 0));
      const count = delta.reduce((a, b) => a + b, 0);
      if (count > 0) rpc.push({ registry: command.registry, service: command.service, command: command.command, count, buckets: delta });
    }
    const report: NodeReport = {
      node: this.metrics.nodeId,
      at: now,
      intervalSeconds: this.intervalSeconds,
      connections: { websocket: stats.transports.get('websocket')!.connections, sockjs: stats.transports.get('sockjs')!.connections },
      subscriptions,
      rates: {
        framesReceived: rate('framesReceived'),
        framesSent: rate('framesSent'),
        deltasPublished: rate('deltasPublished'),
        deltasDelivered: rate('deltasDelivered'),
        publications: rate('publications'),
      },
      dropped: { ...stats.dropped },
      refused: { ...stats.refused },
      clientsStalled: stats.clientsStalled,
      writeQueueBytes: this.metrics.writeQueueBytes,
      broker: { clustered: this.broker.clustered, up: this.broker.available, reconnects: this.broker.reconnects },
      draining: this.health.draining,
      rpc,
    };
    this.last = { at: now, totals, buckets };
    return report;
  }

  private publish(): void {
    const report = this.report();
    // This node's own history never depends on Redis: while it is down the page still shows it (broker down).
    this.receive(report);
    this.broker.broadcast(NODE_REPORTS_CHANNEL, report).catch(() => undefined);
  }

  private receive(report: NodeReport): void {
    if (!report || typeof report.node !== 'string' || typeof report.at !== 'number') return;
    let reports = this.history.get(report.node);
    if (!reports) this.history.set(report.node, (reports = []));
    if (reports.length && reports[reports.length - 1].at >= report.at) return; // our own, back through Redis
    reports.push(report);
    if (reports.length > HISTORY) reports.shift();
  }

  private totals(): Totals {
    const stats = this.metrics.stats;
    let framesReceived = 0;
    let framesSent = 0;
    for (const t of stats.transports.values()) {
      framesReceived += t.framesReceived;
      framesSent += t.framesSent;
    }
    let publications = 0;
    for (const s of stats.services.values()) publications += s.publications;
    return { framesReceived, framesSent, deltasPublished: stats.deltas.published, deltasDelivered: stats.deltas.delivered, publications };
  }
}

/** The operations endpoints live on the backend's own listener; `/admin` can be turned off alone. */
export function operationsServed(options: SnorkyModuleOptions): boolean {
  return !!options.backend && options.backend.port !== undefined && options.operations !== false;
}

function adminServed(options: SnorkyModuleOptions): boolean {
  return operationsServed(options) && !(options.operations && options.operations.admin === false);
}

/** Cluster-wide p50/p99 (ms) and rate per command over the nodes' latest reports. */
export function latencyByCommand(latest: NodeReport[]): { registry: string; service: string; command: string; perSecond: number; p50Ms?: number; p99Ms?: number }[] {
  const merged = new Map<string, { registry: string; service: string; command: string; buckets: number[]; perSecond: number }>();
  for (const report of latest) {
    for (const c of report.rpc) {
      const key = `${c.registry}\0${c.service}\0${c.command}`;
      let entry = merged.get(key);
      if (!entry) merged.set(key, (entry = { registry: c.registry, service: c.service, command: c.command, buckets: c.buckets.map(() => 0), perSecond: 0 }));
      c.buckets.forEach((n, i) => (entry!.buckets[i] += n));
      entry.perSecond += c.count / report.intervalSeconds;
    }
  }
  return [...merged.values()].map(({ buckets, ...rest }) => {
    const p50 = quantileOf(buckets, 0.5);
    const p99 = quantileOf(buckets, 0.99);
    return { ...rest, p50Ms: p50 === undefined ? undefined : p50 * 1000, p99Ms: p99 === undefined ? undefined : p99 * 1000 };
  });
}
