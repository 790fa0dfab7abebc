import type { Broker } from '../../broker/broker';
import { BrokerUnavailableError } from '../../broker/broker-unavailable.error';
import type { JournalPosition } from '../../broker/journal';
import type { DataSyncEngine } from './datasync-engine';
import type { Delta } from './delta';
import type { Subscription } from './subscription';

/**
 * How a subscription registered on this node gets the batches it missed from the service's journal:
 * shared by a cluster acquisition (a token authorized on another node) and a resumption.
 */

/** This node's journal position; fails fast while Redis is unreachable or the node not yet in sync. */
export function inSyncPosition(broker: Broker, channel: string): JournalPosition {
  const position = broker.journalPosition(channel);
  if (!broker.available || !position) {
    throw new BrokerUnavailableError(`DataSync ${channel}: this node is not connected to the cluster's Redis`);
  }
  return position;
}

/**
 * Sends `subscription` (registered, not yet acquired) the batches after `from` up to `here` from the
 * journal, before the live batches it kept meanwhile. False when the journal no longer holds them.
 * Between registering and this, JavaScript runs nothing else for the subscription but live routing,
 * whose batches stay after the journal's.
 */
export async function catchUp(
  engine: DataSyncEngine,
  broker: Broker,
  channel: string,
  subscription: Subscription,
  from: JournalPosition,
  here: JournalPosition,
): Promise<boolean> {
  const missed = await broker.readJournal(channel, from, here);
  if (!missed) return false;
  const live = subscription.drainKept();
  missed.forEach((batch, i) => engine.routeTo(subscription, batch as Delta[], { epoch: from.epoch, seq: from.seq + 1 + i }));
  subscription.appendKept(live);
  return true;
}
