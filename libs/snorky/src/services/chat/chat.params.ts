import { IsJsonValue } from '../../rpc/json-value.decorator';

export class ChatChannelParams {
  @IsJsonValue()
  channel: unknown;
}

export class ChatSendParams {
  @IsJsonValue()
  channel: unknown;

  @IsJsonValue()
  body: unknown;
}
