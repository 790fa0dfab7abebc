import { IsJsonValue } from '../../rpc/json-value.decorator';

export class ParticipantParams {
  @IsJsonValue()
  name: unknown;
}

export class SendParams {
  @IsJsonValue()
  sender: unknown;

  @IsJsonValue()
  dest: unknown;

  @IsJsonValue()
  body: unknown;
}
