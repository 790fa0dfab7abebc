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

/**
 * Finds every `@RpcCommand` method on the instance's prototype chain. A method overridden in a subclass
 * stays a command (the nearest `@RpcCommand` up the chain applies), so an override without the
 * decorator never turns into `Unknown command`. Two methods claiming one command name fail here, at start-up.
 */
export function scanCommands(instance: object): Map<string, CommandDefinition> {
  const prototype = Object.getPrototypeOf(instance);
  const table = new Map<string, CommandDefinition>();
  for (const methodName of scanner.getAllMethodNames(prototype)) {
    const declared = declaringPrototype(prototype, methodName);
    if (!declared) continue;
    const options: RpcCommandOptions = Reflect.getMetadata(RPC_COMMAND_METADATA, declared[methodName]);
    const name = options.name ?? methodName;
    const existing = table.get(name);
    if (existing) {
      throw new Error(
        `${instance.constructor.name} declares the command "${name}" twice (methods ${existing.methodName} and ${methodName}); ` +
          'give one of them another name with @RpcCommand({ name })',
      );
    }
    // The override's own parameter types when it has them (TypeScript emits them only for decorated methods).
    const typed = Reflect.hasMetadata('design:paramtypes', prototype, methodName) ? prototype : declared;
    table.set(name, { name, methodName, deferred: !!options.deferred, params: paramsMode(typed, methodName, options) });
  }
  return table;
}

/** The nearest prototype (from `prototype` up) whose own `methodName` carries `@RpcCommand`. */
function declaringPrototype(prototype: any, methodName: string): any {
  for (let p = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const own = Object.getOwnPropertyDescriptor(p, methodName);
    if (own && typeof own.value === 'function' && Reflect.hasMetadata(RPC_COMMAND_METADATA, own.value)) return p;
  }
  return undefined;
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
