import { Injectable } from '@nestjs/common';
import {
  ChatService,
  Client,
  CursorsService,
  IsJsonValue,
  MessagingService,
  RpcCommand,
  RpcRequest,
  RpcService,
  SnorkyService,
} from '@snorky/nest';

/** The services under test, with policy hooks an app would write: names, channels, documents called "secret*" / "admin*" are refused. */
@Injectable()
@SnorkyService('messaging')
export class PolicyMessaging extends MessagingService {
  override isNameAllowed(_client: Client, name: unknown): boolean {
    return !(typeof name === 'string' && name.startsWith('admin'));
  }
}

@Injectable()
@SnorkyService('chat')
export class PolicyChat extends ChatService {
  override canJoin(_client: Client, channel: unknown): boolean {
    return channel !== 'secret';
  }
}

@Injectable()
@SnorkyService('cursors')
export class PolicyCursors extends CursorsService {
  override async canJoin(_client: Client, document: unknown): Promise<boolean> {
    return document !== 'secret';
  }
}

class LoginParams {
  @IsJsonValue() identity: unknown;
}

/** TEST ONLY, until the identity service lands (PROTOCOL §7): sets the connection's identity. */
@Injectable()
@SnorkyService('testlogin')
export class TestLogin extends RpcService {
  @RpcCommand()
  login({ identity }: LoginParams, req: RpcRequest): void {
    req.client.identity = identity;
  }
}

export const SERVICE_PROVIDERS = [PolicyMessaging, PolicyChat, PolicyCursors, TestLogin];
