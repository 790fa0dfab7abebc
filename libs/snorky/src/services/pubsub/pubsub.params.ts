import { ValidateBy } from 'class-validator';
import { parsePosition } from '../../broker/journal';
import { IsJsonValue } from '../../rpc/json-value.decorator';

export class ChannelParams {
  @IsJsonValue()
  channel: unknown;
}

/** `subscribe`: a channel, and (journaled services, docs/protocol-notes.md "PubSub: resume") where to resume it. */
export class SubscribeParams {
  @IsJsonValue()
  channel: unknown;

  /**
   * The last position the client received on this channel: what was published after it is sent first.
   * Absent, or exactly a position (`parsePosition`; null is not one).
   */
  @ValidateBy({ name: 'isOptionalPosition', validator: { validate: (value: unknown) => value === undefined || parsePosition(value) !== undefined } })
  position?: unknown;

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
