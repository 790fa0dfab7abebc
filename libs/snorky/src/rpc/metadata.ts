/** Metadata keys written by the decorators and read by the explorer. */
export const SNORKY_SERVICE_METADATA = 'snorky:service';
export const RPC_COMMAND_METADATA = 'snorky:rpc-command';

export type RegistrySide = 'frontend' | 'backend';

export interface SnorkyServiceMetadata {
  name: string;
  registry: RegistrySide;
}

export interface RpcCommandOptions {
  /** Command name on the wire; defaults to the method name. */
  name?: string;
  /** The command answers later through its `RpcRequest` (`reply` / `error`); its return value is ignored. */
  deferred?: boolean;
  /** Params DTO class; defaults to the type of the method's first parameter. */
  params?: new () => object;
}
