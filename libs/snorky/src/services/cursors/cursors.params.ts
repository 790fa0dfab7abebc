import { IsObject } from 'class-validator';
import { IsJsonValue } from '../../rpc/json-value.decorator';

export class DocumentParams {
  @IsJsonValue()
  document: unknown;
}

export class CreateCursorParams {
  @IsJsonValue()
  privateHandle: unknown;

  @IsJsonValue()
  document: unknown;

  @IsJsonValue()
  position: unknown;

  @IsJsonValue()
  status: unknown;
}

export class UpdateCursorParams {
  @IsJsonValue()
  privateHandle: unknown;

  /** `position` and/or `status`; other keys are ignored, as the original did. */
  @IsObject()
  newData: Record<string, unknown>;
}

export class CursorHandleParams {
  @IsJsonValue()
  privateHandle: unknown;
}
