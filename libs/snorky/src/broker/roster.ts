import { randomUUID } from 'crypto';

/** What `Roster.add` answers when it adds nothing. */
export type RosterRefusal = 'taken' | 'duplicate';

/** One key of a roster: how many holders it has anywhere, and its value (last write wins). */
export interface RosterEntry {
  key: string;
  holders: number;
  value: string | undefined;
}

/**
 * A hold removed without its service seeing the outcome: a dead node's (removed by this survivor), or a
 * release of this node that Redis could only confirm later (it was unreachable when the connection left).
 */
export interface LostHold {
  roster: string;
  key: string;
  holder: string;
  value: string | undefined;
  /** Holders the key still has after the removal (0: the key is gone). */
  remaining: number;
}

export type LostHandler = (lost: LostHold[]) => void;
/** A hold this node could not put back after it was swept (another holder took the exclusive key). */
export type EvictedHandler = (roster: string, key: string, holder: string) => void;

/**
 * The state Messaging, Chat and Cursors share between the nodes of a cluster (Centrifuge's
 * PresenceManager is the model): named rosters of keys, each key held by connections ("holders",
 * client ids) of some node. Names, chat members and cursors are all holds.
 *
 * A hold belongs to the node that made it. When a node dies, a survivor removes its holds (see
 * `RedisRoster`: heartbeats) and the service that registered `onLost` for the roster's prefix is told,
 * so it can notify (`left`, `cursorRemoved`). `LocalRoster` is the single-node engine: same contract,
 * in memory, no other node to lose.
 */
export abstract class Roster {
  /** This node's id (unique per process start). */
  readonly nodeId: string = randomUUID();
  private readonly lostHandlers: { prefix: string; handler: LostHandler }[] = [];
  private readonly evictedHandlers: { prefix: string; handler: EvictedHandler }[] = [];

  /**
   * `holder` holds `key` in `roster`; resolves with the key's holder count afterwards.
   * `exclusive`: refused ('taken') when the key has any holder. 'duplicate': the holder holds it already.
   * `value` (optional) is stored for the key.
   */
  abstract add(roster: string, key: string, holder: string, options?: { value?: string; exclusive?: boolean }): Promise<number | RosterRefusal>;

  /** Releases a hold; resolves with the holders left, or undefined when `holder` did not hold `key`. */
  abstract remove(roster: string, key: string, holder: string): Promise<number | undefined>;

  /** Replaces the value of a held key. */
  abstract setValue(roster: string, key: string, holder: string, value: string): Promise<void>;

  abstract holderCount(roster: string, key: string): Promise<number>;

  abstract entries(roster: string): Promise<RosterEntry[]>;

  /**
   * Told when holds of rosters starting with `prefix` went without their service's own release: those of
   * a dead node (on the one survivor that swept it), or releases that failed while Redis was unreachable
   * and went through later. The service sends what the release would have (`left`, `cursorRemoved`).
   */
  onLost(prefix: string, handler: LostHandler): void {
    this.lostHandlers.push({ prefix, handler });
  }

  onEvicted(prefix: string, handler: EvictedHandler): void {
    this.evictedHandlers.push({ prefix, handler });
  }

  protected emitLost(lost: LostHold[]): void {
    for (const { prefix, handler } of this.lostHandlers) {
      const mine = lost.filter((l) => l.roster.startsWith(prefix));
      if (mine.length > 0) handler(mine);
    }
  }

  protected emitEvicted(roster: string, key: string, holder: string): void {
    for (const { prefix, handler } of this.evictedHandlers) if (roster.startsWith(prefix)) handler(roster, key, holder);
  }
}

interface MemoryKey {
  holders: Set<string>;
  value: string | undefined;
}

/** Single node: rosters in memory. */
export class LocalRoster extends Roster {
  private readonly rosters = new Map<string, Map<string, MemoryKey>>();

  async add(roster: string, key: string, holder: string, options: { value?: string; exclusive?: boolean } = {}): Promise<number | RosterRefusal> {
    let keys = this.rosters.get(roster);
    if (!keys) this.rosters.set(roster, (keys = new Map()));
    let entry = keys.get(key);
    if (entry?.holders.has(holder)) return 'duplicate';
    if (entry && options.exclusive) return 'taken';
    if (!entry) keys.set(key, (entry = { holders: new Set(), value: undefined }));
    entry.holders.add(holder);
    if (options.value !== undefined) entry.value = options.value;
    return entry.holders.size;
  }

  async remove(roster: string, key: string, holder: string): Promise<number | undefined> {
    const keys = this.rosters.get(roster);
    const entry = keys?.get(key);
    if (!keys || !entry?.holders.delete(holder)) return undefined;
    if (entry.holders.size === 0) {
      keys.delete(key);
      if (keys.size === 0) this.rosters.delete(roster);
    }
    return entry.holders.size;
  }

  async setValue(roster: string, key: string, holder: string, value: string): Promise<void> {
    const entry = this.rosters.get(roster)?.get(key);
    if (entry?.holders.has(holder)) entry.value = value;
  }

  async holderCount(roster: string, key: string): Promise<number> {
    return this.rosters.get(roster)?.get(key)?.holders.size ?? 0;
  }

  async entries(roster: string): Promise<RosterEntry[]> {
    return [...(this.rosters.get(roster) ?? [])].map(([key, e]) => ({ key, holders: e.holders.size, value: e.value }));
  }
}
