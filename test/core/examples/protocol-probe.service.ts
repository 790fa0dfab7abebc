import { IsString } from 'class-validator';
import { Client, RpcCommand, RpcError, RpcRequest, RpcService, SnorkyService } from '@snorky/nest';

export class TextParams {
  @IsString()
  text: string;
}

/** Exercises the RPC rules the seed examples do not: errors, deferred replies, double replies, hooks. */
@SnorkyService('probe')
export class ProtocolProbeService extends RpcService {
  readonly connected: string[] = [];
  readonly disconnected: string[] = [];

  override clientConnected(client: Client): void {
    this.connected.push(client.id);
  }

  override clientDisconnected(client: Client): void {
    this.disconnected.push(client.id);
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

  @RpcCommand()
  async crashLater(): Promise<never> {
    await new Promise((r) => setTimeout(r, 5));
    throw new TypeError('secret async detail');
  }

  @RpcCommand({ deferred: true })
  later({ text }: TextParams, req: RpcRequest): void {
    setTimeout(() => {
      req.reply(text);
      req.reply('second reply must never be sent');
      req.error('nor an error after it');
    }, 20);
  }

  @RpcCommand()
  notifyMe({ text }: TextParams, req: RpcRequest): string {
    this.sendMessageTo(req.client, { type: 'note', text });
    return 'sent';
  }

  @RpcCommand()
  whoami(req: RpcRequest): string {
    return req.client.transport;
  }
}

/** A backend-registry service, to check registries are separate. */
@SnorkyService('probe_backend', { registry: 'backend' })
export class ProtocolProbeBackend extends RpcService {
  @RpcCommand()
  ping(): string {
    return 'pong';
  }
}
