import { MetadataScanner } from '@nestjs/core';
import { RPC_COMMAND_METADATA, RpcCommandOptions } from './metadata';
import { RpcRequest } from './rpc-request';

/** How a command receives its params: a validated DTO, the raw object, or none at all. */
export type ParamsMode =
  | { kind: 'dto'; type: new () => object }
  | { kind: 'raw' }
  | { kind: 'none'; requestFirst: boolean };

export interface CommandDefinition {
  name: string;
  methodName: string;
  deferred: boolean;
  params: ParamsMode;
}

const PLAIN_TYPES: unknown[] = [Object, String, Number, Boolean, Array];
const scanner = new MetadataScanner();

/** Finds every `@RpcCommand` method on the instance's prototype chain. */
export function scanCommands(instance: object): Map<string, CommandDefinition> {
  const prototype = Object.getPrototypeOf(instance);
  const table = new Map<string, CommandDefinition>();
  for (const methodName of scanner.getAllMethodNames(prototype)) {
    const options: RpcCommandOptions | undefined = Reflect.getMetadata(RPC_COMMAND_METADATA, prototype[methodName]);
    if (!options) continue;
    const name = options.name ?? methodName;
    if (table.has(name)) {
      throw new Error(`${instance.constructor.name}: two methods (${table.get(name)!.methodName}, ${methodName}) are the command "${name}"`);
    }
    table.set(name, { name, methodName, deferred: !!options.deferred, params: paramsMode(prototype, methodName, options) });
  }
  return table;
}

function paramsMode(prototype: object, methodName: string, options: RpcCommandOptions): ParamsMode {
  if (options.params) return { kind: 'dto', type: options.params };
  const types: unknown[] | undefined = Reflect.getMetadata('design:paramtypes', prototype, methodName);
  const first = types?.[0];
  if (first === undefined) return { kind: 'none', requestFirst: false };
  if (first === RpcRequest) return { kind: 'none', requestFirst: true };
  if (PLAIN_TYPES.includes(first) || typeof first !== 'function') return { kind: 'raw' };
  return { kind: 'dto', type: first as new () => object };
}
