import { IsNumber, IsString } from 'class-validator';
import { RpcCommand, RpcError, RpcRequest, RpcService, SnorkyService } from '@snorky/nest';

export class SumParams {
  @IsNumber()
  a: number;

  @IsNumber()
  b: number;
}

export class TextParams {
  @IsString()
  text: string;
}

/** The RPC situations the client must surface: results, each error text, notifications, a reply that never comes. */
@SnorkyService('calc')
export class CalcService extends RpcService {
  @RpcCommand()
  sum({ a, b }: SumParams): number {
    return a + b;
  }

  @RpcCommand()
  nothing(): void {}

  @RpcCommand()
  fail({ text }: TextParams): never {
    throw new RpcError(text);
  }

  @RpcCommand()
  crash(): never {
    throw new Error('secret internal detail');
  }

  /** Never answers: the call is still in flight when the connection drops. */
  @RpcCommand({ deferred: true })
  hang(_req: RpcRequest): void {}

  @RpcCommand()
  notifyMe({ text }: TextParams, req: RpcRequest): string {
    this.sendMessageTo(req.client, { type: 'note', text });
    return 'sent';
  }
}
