import { IsJsonValue } from '../../rpc/json-value.decorator';

export class ChannelParams {
  @IsJsonValue()
  channel: unknown;
}

export class PublishParams {
  @IsJsonValue()
  channel: unknown;

  @IsJsonValue()
  message: unknown;
}
