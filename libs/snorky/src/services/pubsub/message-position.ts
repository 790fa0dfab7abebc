import type { JournalPosition } from '../../broker/journal';

/**
 * A journaled publication's encoded `message` frame with its journal position added as the message's
 * last key: `{"service":…,"message":{…,"position":{"epoch":…,"seq":…}}}`. Done on the string (the frame
 * is encoded once per publication, each node adds the position once per publication, never per recipient).
 */
export function withPosition(frame: string, position: JournalPosition): string {
  // The frame ends with the message object's `}` then the envelope's `}`.
  return `${frame.slice(0, -2)},"position":{"epoch":${JSON.stringify(position.epoch)},"seq":${position.seq}}}}`;
}
