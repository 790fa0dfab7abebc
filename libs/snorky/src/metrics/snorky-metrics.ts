import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { hostname } from 'os';
import { Broker } from '../broker/broker';
import { RateLimitedLog } from '../logging/rate-limited-log';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import type { SnorkyModuleOptions } from '../snorky-options';
import {
  CommandStats,
  DeltaStats,
  DropReason,
  NodeStats,
  RefusalReason,
  ServiceStats,
  TransportLabel,
  TransportStats,
  UNKNOWN_COMMAND,
} from './node-stats';
import { addMetricsSource, MetricsSource, removeMetricsSource } from './prometheus-metrics';

let nodeNumber = 0;

/**
 * The node's recorder: the one seam transports, registries and services report through.
 *
 * - Per-frame and per-request counters are pre-bound objects handed out once (`frameCounters()`,
 *   `commands()`, `deltas`) and are undefined when `metrics: false`, so callers skip counting.
 * - Rare events (refused connections, dropped frames, stalled clients) are always counted and
 *   logged, one rate-limited line each.
 *
 * Limits and draining (connection cap, graceful shutdown) report here: `connectionRefused('limit' |
 * 'draining', ...)`; readiness reads `SnorkyHealth.draining`.
 */
@Injectable()
export class SnorkyMetrics implements MetricsSource, OnModuleInit, OnApplicationShutdown {
  readonly stats = new NodeStats();
  readonly enabled: boolean;
  /** Names this node on the admin page: host, pid and a number (several nodes may share a process). */
  readonly nodeId = `${hostname()}:${process.pid}:${++nodeNumber}`;
  private readonly writeQueues: (() => number)[] = [];
  private readonly refusals = new RateLimitedLog(new Logger('SnorkyConnections'), 'refused connections');
  private readonly stalls = new RateLimitedLog(new Logger('SnorkyConnections'), 'stalled clients');

  constructor(
    @Optional() @Inject(SNORKY_OPTIONS) options: SnorkyModuleOptions | undefined,
    @Optional() private readonly broker?: Broker,
  ) {
    this.enabled = options?.metrics !== false;
  }

  /** A recorder outside any module (services attached by hand in unit tests): counts, exports nothing. */
  static detached(): SnorkyMetrics {
    return new SnorkyMetrics({ metrics: false });
  }

  onModuleInit(): void {
    if (this.enabled) addMetricsSource(this);
  }

  onApplicationShutdown(): void {
    removeMetricsSource(this);
  }

  /** Connection counters of one transport (always kept: health and the admin page read them). */
  transport(kind: TransportLabel): TransportStats {
    return this.stats.transports.get(kind)!;
  }

  /** The same object for per-frame counting; undefined when metrics are off, so callers skip it. */
  frameCounters(kind: TransportLabel): TransportStats | undefined {
    return this.enabled ? this.stats.transports.get(kind) : undefined;
  }

  /**
   * Pre-bound counters for every command of a service, plus `_unknown` for names it does not have:
   * label values come only from registered commands, so clients cannot grow the label set.
   */
  commands(registry: string, service: string, names: Iterable<string>): Map<string, CommandStats> | undefined {
    if (!this.enabled) return undefined;
    const table = new Map<string, CommandStats>();
    for (const command of [...names, UNKNOWN_COMMAND]) {
      const stats = new CommandStats(registry, service, command);
      this.stats.commands.push(stats);
      table.set(command, stats);
    }
    return table;
  }

  /** Subscriptions and publications of one service (kept even when metrics are off: the admin page reads them). */
  service(name: string): ServiceStats {
    let stats = this.stats.services.get(name);
    if (!stats) this.stats.services.set(name, (stats = new ServiceStats(name)));
    return stats;
  }

  /** DataSync delta counters; undefined when metrics are off. */
  get deltas(): DeltaStats | undefined {
    return this.enabled ? this.stats.deltas : undefined;
  }

  frameDropped(reason: DropReason): void {
    this.stats.dropped[reason]++;
  }

  /** A connection refused before reaching a registry; `detail` is logged (never put a key or token in it). */
  connectionRefused(reason: RefusalReason, detail: string): void {
    this.stats.refused[reason]++;
    this.refusals.warn(`refused a connection (${reason}): ${detail}`);
  }

  /** Counts a refusal whose line its own component logs (the authenticator's). */
  countRefusal(reason: RefusalReason): void {
    this.stats.refused[reason]++;
  }

  /** A client that stopped reading was disconnected; `detail` is logged. */
  clientStalled(detail: string): void {
    this.stats.clientsStalled++;
    this.stalls.warn(`client stalled: ${detail}`);
  }

  /** Adds a source of bytes queued for clients (a transport's sum of its sockets' buffers). */
  watchWriteQueue(bytes: () => number): void {
    this.writeQueues.push(bytes);
  }

  get writeQueueBytes(): number {
    let total = 0;
    for (const bytes of this.writeQueues) total += bytes();
    return total;
  }

  get brokerUp(): boolean {
    return this.broker?.available ?? true;
  }

  get brokerReconnects(): number {
    return this.broker?.reconnects ?? 0;
  }
}
