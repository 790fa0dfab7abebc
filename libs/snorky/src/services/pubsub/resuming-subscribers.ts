import type { JournalPosition } from '../../broker/journal';

/** A live publication that arrived while its subscription was being caught up from the journal. */
export interface KeptFrame {
  position: JournalPosition;
  frame: string;
}

/** One subscription being caught up. */
export interface Hold {
  kept: KeptFrame[];
  /** The node missed publications for good while this subscription was caught up (journal gap). */
  lost: boolean;
}

/**
 * Subscriptions being resumed from the journal (`subscribe` with a position). Their client is not
 * among the broker's subscribers of the topic yet: live publications that arrive meanwhile are kept
 * here in order and sent after the ones read back, so the client gets each once, in journal order.
 */
export class ResumingSubscribers<C> {
  private readonly byTopic = new Map<string, Map<C, Hold>>();

  start(topic: string, client: C): Hold {
    let holds = this.byTopic.get(topic);
    if (!holds) this.byTopic.set(topic, (holds = new Map()));
    const hold: Hold = { kept: [], lost: false };
    holds.set(client, hold);
    return hold;
  }

  /** Whether `hold` is still this subscription's (not ended, nor replaced by a later subscribe of the same channel). */
  holds(topic: string, client: C, hold: Hold): boolean {
    return this.byTopic.get(topic)?.get(client) === hold;
  }

  end(topic: string, client: C, hold: Hold): void {
    const holds = this.byTopic.get(topic);
    if (!holds || holds.get(client) !== hold) return;
    holds.delete(client);
    if (holds.size === 0) this.byTopic.delete(topic);
  }

  /** Keeps a live publication for every subscription of `topic` being caught up (`frame` built only if one is). */
  keep(topic: string, position: JournalPosition, frame: () => string): void {
    const holds = this.byTopic.get(topic);
    if (!holds) return;
    const kept = { position, frame: frame() };
    for (const hold of holds.values()) hold.kept.push(kept);
  }

  /** The node missed publications for good: every subscription being caught up must be told. */
  markAllLost(): void {
    for (const holds of this.byTopic.values()) for (const hold of holds.values()) hold.lost = true;
  }
}

/**
 * The kept frames to send once the journal was read up to `readUpTo`: those it did not already cover
 * (a frame kept before a wait for a later position was read back too). A frame of another epoch
 * (the journal started over meanwhile) is after it.
 */
export function keptAfter(hold: Hold, readUpTo: JournalPosition): string[] {
  return hold.kept.filter(({ position }) => position.epoch !== readUpTo.epoch || position.seq > readUpTo.seq).map((k) => k.frame);
}
