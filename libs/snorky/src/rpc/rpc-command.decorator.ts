import { SetMetadata } from '@nestjs/common';
import { RPC_COMMAND_METADATA, RpcCommandOptions } from './metadata';

/** Exposes a method of an `RpcService` as an RPC command (name = method name unless given). */
export function RpcCommand(options: RpcCommandOptions = {}): MethodDecorator {
  return SetMetadata(RPC_COMMAND_METADATA, options);
}
