/**
 * The figures of one Snorky node as plain numbers. Hot paths bump a field of a pre-bound object
 * (no label hashing, no allocation per frame); Prometheus and the admin page read them on demand.
 */
import { LATENCY_BUCKETS } from './latency';

export const TRANSPORTS = ['websocket', 'sockjs', 'backend'] as const;
export type TransportLabel = (typeof TRANSPORTS)[number];

/** Why a connection was refused before it reached a registry (`snorky_connections_refused_total{reason}`). */
export const REFUSAL_REASONS = ['origin', 'authenticator', 'limit', 'draining'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Why a frame was dropped without a reply (`snorky_frames_dropped_total{reason}`). */
export const DROP_REASONS = ['too_large', 'binary', 'invalid_envelope', 'unknown_service', 'invalid_request', 'rate_limit', 'other'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** How an RPC ended (`snorky_rpc_requests_total{outcome}`). */
export const RPC_OUTCOMES = ['ok', 'error', 'invalid_params', 'unavailable', 'internal_error'] as const;
export type RpcOutcome = (typeof RPC_OUTCOMES)[number];

/** The label value of every command a client names that its service does not have. */
export const UNKNOWN_COMMAND = '_unknown';

export class TransportStats {
  /** Open now (gauge). */
  connections = 0;
  connectionsTotal = 0;
  framesReceived = 0;
  framesSent = 0;

  constructor(readonly transport: TransportLabel) {}

  opened(): void {
    this.connections++;
    this.connectionsTotal++;
  }

  closed(): void {
    this.connections--;
  }
}

/** Index of each outcome in RPC_OUTCOMES (a number is cheaper to count by than a property name). */
export const OUTCOME = { ok: 0, error: 1, invalid_params: 2, unavailable: 3, internal_error: 4 } as const satisfies Record<RpcOutcome, number>;
export type OutcomeIndex = (typeof OUTCOME)[RpcOutcome];

/** One registered command of one service: outcome counts and a latency histogram. */
export class CommandStats {
  /** Requests per outcome, indexed like RPC_OUTCOMES. */
  readonly outcomes = new Float64Array(RPC_OUTCOMES.length);
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  count = 0;
  sum = 0;

  constructor(
    readonly registry: string,
    readonly service: string,
    readonly command: string,
  ) {}

  record(outcome: OutcomeIndex, seconds: number): void {
    this.outcomes[outcome]++;
    this.count++;
    this.sum += seconds;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]) i++;
    this.buckets[i]++;
  }
}

/** One service's subscriptions (counted by the service) and publications. */
export class ServiceStats {
  publications = 0;
  /** Returns the service's current subscriptions; services that have none leave it at 0. */
  subscriptions: () => number = () => 0;

  constructor(readonly service: string) {}
}

/** Deltas across every DataSync service of the node. */
export class DeltaStats {
  published = 0;
  delivered = 0;
}

function zeroed<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

export class NodeStats {
  readonly transports = new Map<TransportLabel, TransportStats>(TRANSPORTS.map((t) => [t, new TransportStats(t)]));
  readonly refused = zeroed(REFUSAL_REASONS);
  readonly dropped = zeroed(DROP_REASONS);
  readonly commands: CommandStats[] = [];
  readonly services = new Map<string, ServiceStats>();
  readonly deltas = new DeltaStats();
  clientsStalled = 0;
}
