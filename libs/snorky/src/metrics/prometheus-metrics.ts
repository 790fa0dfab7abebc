import { Counter, Gauge, Metric, register } from 'prom-client';
import { LATENCY_BUCKETS } from './latency';
import { DROP_REASONS, NodeStats, REFUSAL_REASONS, RPC_OUTCOMES, TRANSPORTS } from './node-stats';

/** What the Prometheus metrics read from each node of this process (one per SnorkyModule). */
export interface MetricsSource {
  readonly stats: NodeStats;
  readonly writeQueueBytes: number;
  readonly brokerUp: boolean;
  readonly brokerReconnects: number;
}

const sources = new Set<MetricsSource>();

/**
 * Adds a node's figures to the metrics of prom-client's default registry (so an app that already
 * serves /metrics, e.g. with @willsoto/nestjs-prometheus, shows them with no extra code).
 * The metrics are read at scrape time from the nodes' plain counters; nothing is recorded through
 * prom-client on a hot path. Several nodes in one process (tests) are summed.
 */
export function addMetricsSource(source: MetricsSource): void {
  // Checked each time: the app may have cleared the default registry since.
  if (!register.getSingleMetric('snorky_connections')) installMetrics();
  sources.add(source);
}

export function removeMetricsSource(source: MetricsSource): void {
  sources.delete(source);
}

function sum(read: (source: MetricsSource) => number): number {
  let total = 0;
  for (const source of sources) total += read(source);
  return total;
}

/** A counter whose per-label totals are copied from the nodes at each scrape. */
function counter<L extends string>(name: string, help: string, labelNames: L[], fill: (set: (labels: Record<L, string>, value: number) => void) => void): void {
  new Counter({
    name,
    help,
    labelNames,
    collect() {
      this.reset();
      fill((labels, value) => this.inc(labels, value));
    },
  });
}

function gauge<L extends string>(name: string, help: string, labelNames: L[], fill: (set: (labels: Record<L, string>, value: number) => void) => void): void {
  new Gauge({
    name,
    help,
    labelNames,
    collect() {
      this.reset();
      fill((labels, value) => this.set(labels, value));
    },
  });
}

const NO_LABELS = {} as Record<never, string>;

function installMetrics(): void {
  gauge('snorky_connections', 'Client connections open now', ['transport'], (set) => {
    for (const t of TRANSPORTS) if (t !== 'backend') set({ transport: t }, sum((s) => s.stats.transports.get(t)!.connections));
  });
  counter('snorky_connections_total', 'Client connections opened', ['transport'], (set) => {
    for (const t of TRANSPORTS) if (t !== 'backend') set({ transport: t }, sum((s) => s.stats.transports.get(t)!.connectionsTotal));
  });
  counter('snorky_connections_refused_total', 'Connections refused before reaching a registry', ['reason'], (set) => {
    for (const r of REFUSAL_REASONS) set({ reason: r }, sum((s) => s.stats.refused[r]));
  });
  counter('snorky_frames_received_total', 'Frames (WebSocket/SockJS messages, backend requests) received', ['transport'], (set) => {
    for (const t of TRANSPORTS) set({ transport: t }, sum((s) => s.stats.transports.get(t)!.framesReceived));
  });
  counter('snorky_frames_sent_total', 'Frames sent to clients (one per recipient)', ['transport'], (set) => {
    for (const t of TRANSPORTS) set({ transport: t }, sum((s) => s.stats.transports.get(t)!.framesSent));
  });
  counter('snorky_frames_dropped_total', 'Frames dropped without a reply', ['reason'], (set) => {
    for (const r of DROP_REASONS) set({ reason: r }, sum((s) => s.stats.dropped[r]));
  });
  counter('snorky_rpc_requests_total', 'RPC requests by registered command and outcome', ['registry', 'service', 'command', 'outcome'], (set) => {
    for (const source of sources) {
      for (const c of source.stats.commands) {
        RPC_OUTCOMES.forEach((outcome, i) => set({ registry: c.registry, service: c.service, command: c.command, outcome }, c.outcomes[i]));
      }
    }
  });
  register.registerMetric(rpcDurationHistogram());
  gauge('snorky_subscriptions', 'Subscriptions held now (PubSub channels, acquired DataSync subscriptions)', ['service'], (set) => {
    const totals = new Map<string, number>();
    for (const source of sources) {
      for (const [name, service] of source.stats.services) totals.set(name, (totals.get(name) ?? 0) + service.subscriptions());
    }
    for (const [service, value] of totals) set({ service }, value);
  });
  counter('snorky_deltas_published_total', 'DataSync deltas published on this node', [], (set) => set(NO_LABELS, sum((s) => s.stats.deltas.published)));
  counter('snorky_deltas_delivered_total', 'DataSync deltas delivered to subscriptions of this node', [], (set) =>
    set(NO_LABELS, sum((s) => s.stats.deltas.delivered)),
  );
  counter('snorky_publications_total', 'PubSub publications made on this node', ['service'], (set) => {
    const totals = new Map<string, number>();
    for (const source of sources) {
      for (const [name, service] of source.stats.services) totals.set(name, (totals.get(name) ?? 0) + service.publications);
    }
    for (const [service, value] of totals) set({ service }, value);
  });
  gauge('snorky_broker_up', '1 while the broker (the cluster Redis) is reachable, else 0; always 1 on a single node', [], (set) => {
    let up = true;
    for (const source of sources) up &&= source.brokerUp;
    set(NO_LABELS, up ? 1 : 0);
  });
  counter('snorky_broker_reconnects_total', 'Times the broker connection came back after being lost', [], (set) => set(NO_LABELS, sum((s) => s.brokerReconnects)));
  gauge('snorky_write_queue_bytes', 'Bytes waiting to be written to clients', [], (set) => set(NO_LABELS, sum((s) => s.writeQueueBytes)));
  counter('snorky_clients_stalled_total', 'Clients disconnected because they stopped reading', [], (set) => set(NO_LABELS, sum((s) => s.stats.clientsStalled)));
}

/**
 * `snorky_rpc_duration_seconds` as a registry metric of our own: prom-client's Histogram hashes its
 * labels on every observe(); ours is filled from per-command bucket arrays at scrape time.
 */
function rpcDurationHistogram(): Metric {
  const name = 'snorky_rpc_duration_seconds';
  const help = 'RPC duration from request to reply, by registered command';
  const get = async () => {
    // Several nodes in one process (tests) may share a command: their observations add up.
    const merged = new Map<string, { labels: Record<string, string>; buckets: number[]; count: number; sum: number }>();
    for (const source of sources) {
      for (const c of source.stats.commands) {
        const key = `${c.registry}\0${c.service}\0${c.command}`;
        let entry = merged.get(key);
        if (!entry) {
          entry = { labels: { registry: c.registry, service: c.service, command: c.command }, buckets: new Array(c.buckets.length).fill(0), count: 0, sum: 0 };
          merged.set(key, entry);
        }
        for (let i = 0; i < c.buckets.length; i++) entry.buckets[i] += c.buckets[i];
        entry.count += c.count;
        entry.sum += c.sum;
      }
    }
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const { labels, buckets, count, sum } of merged.values()) {
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        cumulative += buckets[i];
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: count, metricName: `${name}_bucket` });
      values.push({ labels, value: sum, metricName: `${name}_sum` });
      values.push({ labels, value: count, metricName: `${name}_count` });
    }
    return { name, help, type: 'histogram', aggregator: 'sum', values };
  };
  return { name, help, get, reset: () => undefined, labelNames: ['registry', 'service', 'command'] } as unknown as Metric;
}
