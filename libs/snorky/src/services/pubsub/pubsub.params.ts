import { ValidateBy } from 'class-validator';
import type { JournalPosition } from '../../broker/journal';
import { IsOptionalJournalPosition } from '../../rpc/journal-position.decorator';
import { IsJsonValue } from '../../rpc/json-value.decorator';

export class ChannelParams {
  @IsJsonValue()
  channel: unknown;
}

/** `subscribe`: a channel, and (journaled services, docs/protocol-notes.md "PubSub: resume") where to resume it. */
export class SubscribeParams {
  @IsJsonValue()
  channel: unknown;

  /** The last position the client received on this channel: what was published after it is sent first. */
  @IsOptionalJournalPosition()
  position?: JournalPosition;

  /** Reply with the channel's position (a first subscription that wants to resume later). */
  @ValidateBy({ name: 'isOptionalBoolean', validator: { validate: (value: unknown) => value === undefined || typeof value === 'boolean' } })
  resume?: boolean;
}

export class PublishParams {
  @IsJsonValue()
  channel: unknown;

  @IsJsonValue()
  message: unknown;
}
