import type { DropReason, RefusalReason } from '../metrics/node-stats';

/** One command's traffic during one report interval. */
export interface CommandReport {
  registry: string;
  service: string;
  command: string;
  /** Requests answered during the interval. */
  count: number;
  /** Their latencies, per bucket of LATENCY_BUCKETS (+Inf last), so nodes' figures can be merged. */
  buckets: number[];
}

/**
 * What a node publishes about itself every report interval (through the broker, so in a cluster
 * every node's admin page sees every node). Rates are per second over the interval.
 */
export interface NodeReport {
  node: string;
  at: number;
  intervalSeconds: number;
  connections: { websocket: number; sockjs: number };
  subscriptions: Record<string, number>;
  rates: { framesReceived: number; framesSent: number; deltasPublished: number; deltasDelivered: number; publications: number };
  dropped: Record<DropReason, number>;
  refused: Record<RefusalReason, number>;
  clientsStalled: number;
  writeQueueBytes: number;
  broker: { clustered: boolean; up: boolean; reconnects: number };
  draining: boolean;
  rpc: CommandReport[];
}
