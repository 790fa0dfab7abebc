import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { BrokerUnavailableError } from './broker-unavailable.error';
import { LostHold, Roster, RosterEntry, RosterRefusal } from './roster';
import { ROSTER_ADD, ROSTER_HEARTBEAT, ROSTER_REMOVE, ROSTER_SET_VALUE, ROSTER_SWEEP } from './roster-scripts';

export interface RedisRosterOptions {
  /** Prefix of every key (the broker's). */
  keyPrefix: string;
  /** How often this node beats and sweeps, in ms. Default 1000. */
  heartbeatMs?: number;
  /** A node silent for this long is dead: a survivor removes its holds. In ms. Default 5000. */
  nodeTimeoutMs?: number;
}

export const DEFAULT_NODE_TIMEOUT_MS = 5000;
export const DEFAULT_HEARTBEAT_MS = 1000;

type RosterRedis = Redis & {
  snorkyRosterAdd(h: string, v: string, m: string, set: string, key: string, holder: string, node: string, exclusive: string, hasValue: string, value: string, roster: string): Promise<number>;
  snorkyRosterRemove(h: string, v: string, m: string, key: string, holder: string, roster: string, prefix: string): Promise<number>;
  snorkyRosterSetValue(v: string, m: string, key: string, holder: string, value: string): Promise<number>;
  snorkyRosterHeartbeat(nodes: string, node: string): Promise<[number, number]>;
  snorkyRosterSweep(nodes: string, prefix: string, timeoutMs: number): Promise<(string | number)[]>;
};

/** A release Redis did not confirm; retried each heartbeat. `silent`: the hold may never have been made. */
interface PendingRemoval {
  roster: string;
  key: string;
  holder: string;
  silent: boolean;
}

interface OwnHold {
  roster: string;
  key: string;
  holder: string;
  value: string | undefined;
  exclusive: boolean;
}

/**
 * The cluster roster, in the broker's Redis. Liveness by heartbeat: every node writes its time into a
 * sorted set each `heartbeatMs` and sweeps nodes silent for `nodeTimeoutMs`, so a dead node's holds
 * are gone (and their services told, on the one node that swept) within nodeTimeout + heartbeat.
 *
 * Nothing outlives its owner in Redis: a Redis that restarts with old data still holds the old
 * heartbeats, which are swept like any silent node; a Redis that restarts empty (or a node that was
 * swept while only paused) is noticed by the next heartbeat, and the node writes its holds back.
 */
export class RedisRoster extends Roster implements OnApplicationShutdown {
  private readonly logger = new Logger('RedisRoster');
  private readonly redis: RosterRedis;
  private readonly prefix: string;
  private readonly heartbeatMs: number;
  private readonly nodeTimeoutMs: number;
  /** This node's holds, to write back after Redis lost them. */
  private readonly own = new Map<string, OwnHold>();
  /** Releases that failed (Redis unreachable): a hold must not outlive its connection in Redis. */
  private readonly pendingRemovals: PendingRemoval[] = [];
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private started = false;

  constructor(redis: Redis, options: RedisRosterOptions) {
    super();
    this.redis = redis as RosterRedis;
    this.prefix = options.keyPrefix;
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.nodeTimeoutMs = options.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS;
    this.redis.defineCommand('snorkyRosterAdd', { numberOfKeys: 4, lua: ROSTER_ADD });
    this.redis.defineCommand('snorkyRosterRemove', { numberOfKeys: 3, lua: ROSTER_REMOVE });
    this.redis.defineCommand('snorkyRosterSetValue', { numberOfKeys: 2, lua: ROSTER_SET_VALUE });
    this.redis.defineCommand('snorkyRosterHeartbeat', { numberOfKeys: 1, lua: ROSTER_HEARTBEAT });
    this.redis.defineCommand('snorkyRosterSweep', { numberOfKeys: 1, lua: ROSTER_SWEEP });
  }

  /** First heartbeat (so this node counts as alive before it serves), then one per `heartbeatMs`. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beating ??= this.beat()
        .catch((err) => this.logger.warn(`heartbeat failed: ${(err as Error).message}`))
        .finally(() => (this.beating = undefined));
    }, this.heartbeatMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
  }

  async add(roster: string, key: string, holder: string, options: { value?: string; exclusive?: boolean } = {}): Promise<number | RosterRefusal> {
    let result: number | RosterRefusal;
    try {
      result = await this.run(() => this.addScript(roster, key, holder, options.value, !!options.exclusive));
    } catch (err) {
      // Redis may have run the script and the answer got lost: undo it once Redis answers again.
      this.pendingRemovals.push({ roster, key, holder, silent: true });
      throw err;
    }
    if (typeof result === 'number') {
      this.own.set(ownKey(roster, key, holder), { roster, key, holder, value: options.value, exclusive: !!options.exclusive });
    }
    return result;
  }

  async remove(roster: string, key: string, holder: string): Promise<number | undefined> {
    this.own.delete(ownKey(roster, key, holder));
    let n: number;
    try {
      n = await this.run(() => this.removeScript(roster, key, holder));
    } catch (err) {
      // The connection is gone here; its hold goes when Redis answers again (and the service is told, as for a dead node).
      this.pendingRemovals.push({ roster, key, holder, silent: false });
      throw err;
    }
    return n < 0 ? undefined : n;
  }

  async setValue(roster: string, key: string, holder: string, value: string): Promise<void> {
    const hold = this.own.get(ownKey(roster, key, holder));
    if (hold) hold.value = value;
    const [, v, m] = this.keys(roster);
    await this.run(() => this.redis.snorkyRosterSetValue(v, m, key, holder, value));
  }

  async holderCount(roster: string, key: string): Promise<number> {
    return Number((await this.run(() => this.redis.hget(this.keys(roster)[0], key))) ?? 0);
  }

  async entries(roster: string): Promise<RosterEntry[]> {
    const [h, v] = this.keys(roster);
    const [counts, values] = await this.run(() => Promise.all([this.redis.hgetall(h), this.redis.hgetall(v)]));
    return Object.keys(counts).map((key) => ({ key, holders: Number(counts[key]), value: values[key] }));
  }

  private async addScript(roster: string, key: string, holder: string, value: string | undefined, exclusive: boolean): Promise<number | RosterRefusal> {
    const [h, v, m] = this.keys(roster);
    const set = `${this.prefix}r:node:${this.nodeId}`;
    const n = await this.redis.snorkyRosterAdd(h, v, m, set, key, holder, this.nodeId, exclusive ? '1' : '0', value === undefined ? '0' : '1', value ?? '', roster);
    return n === -2 ? 'duplicate' : n === -1 ? 'taken' : n;
  }

  private removeScript(roster: string, key: string, holder: string): Promise<number> {
    const [h, v, m] = this.keys(roster);
    return this.redis.snorkyRosterRemove(h, v, m, key, holder, roster, this.prefix);
  }

  private async beat(): Promise<void> {
    const [added, sincePrevious] = await this.redis.snorkyRosterHeartbeat(`${this.prefix}r:nodes`, this.nodeId);
    if (added === 1 && this.started) await this.restoreOwn();
    this.started = true;
    await this.retryRemovals();
    // This node missed beats too (Redis stalled or was unreachable): the others' beats are as old as
    // ours, not a sign of death. Sweep from the next beat on, once every live node has beaten again.
    if (sincePrevious > 2 * this.heartbeatMs + 500) return;
    const flat = await this.redis.snorkyRosterSweep(`${this.prefix}r:nodes`, this.prefix, this.nodeTimeoutMs);
    if (flat.length === 0) return;
    const lost: LostHold[] = [];
    for (let i = 0; i < flat.length; i += 5) {
      const value = String(flat[i + 3]);
      lost.push({ roster: String(flat[i]), key: String(flat[i + 1]), holder: String(flat[i + 2]), value: value === '' ? undefined : value, remaining: Number(flat[i + 4]) });
    }
    this.logger.warn(`removed ${lost.length} holds of dead node(s)`);
    this.emitLost(lost);
  }

  /** Releases that failed while Redis was unreachable; they are reported as lost once they went through. */
  private async retryRemovals(): Promise<void> {
    const released: LostHold[] = [];
    while (this.pendingRemovals.length > 0) {
      const { roster, key, holder, silent } = this.pendingRemovals[0];
      // Held again meanwhile (a new add of the same hold): that one stays.
      if (this.own.has(ownKey(roster, key, holder))) {
        this.pendingRemovals.shift();
        continue;
      }
      // Throws while Redis is still away: retried at the next beat.
      const n = await this.removeScript(roster, key, holder);
      // -1: the command that "failed" ran after all (a stalled Redis executes it late); the hold is gone either way.
      const remaining = silent ? 0 : n >= 0 ? n : await this.holderCount(roster, key);
      this.pendingRemovals.shift();
      if (!silent) released.push({ roster, key, holder, value: undefined, remaining });
    }
    if (released.length > 0) this.emitLost(released);
  }

  /** Redis forgot this node (it restarted empty, or swept us during a pause): write our holds back. */
  private async restoreOwn(): Promise<void> {
    this.logger.warn(`Redis did not know this node any more; restoring its ${this.own.size} holds`);
    for (const [id, hold] of [...this.own]) {
      const result = await this.addScript(hold.roster, hold.key, hold.holder, hold.value, hold.exclusive);
      if (result === 'taken') {
        this.own.delete(id);
        this.emitEvicted(hold.roster, hold.key, hold.holder);
      }
    }
  }

  private keys(roster: string): [string, string, string] {
    return [`${this.prefix}r:h:${roster}`, `${this.prefix}r:v:${roster}`, `${this.prefix}r:m:${roster}`];
  }

  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof BrokerUnavailableError) throw err;
      throw new BrokerUnavailableError(`Redis unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function ownKey(roster: string, key: string, holder: string): string {
  return `${roster}\0${key}\0${holder}`;
}
