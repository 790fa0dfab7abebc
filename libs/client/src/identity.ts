import { RpcCallError } from './errors';
import { rpcConnector } from './rpc-service';
import type { Snorky } from './snorky';

export type IdentityCommands = {
  authenticate: { params: { token: string }; result: unknown };
};

/**
 * Connector for the `identity` service (PROTOCOL §7): presents the token the web backend got from
 * `authorizeIdentity`, and presents it again after a reconnect (a token stays valid for its ttl).
 * Chat and Cursors wait for it (`identityRestored`) before they rejoin after a reconnect.
 */
export class Identity extends rpcConnector<IdentityCommands>(['authenticate']) {
  private token: string | undefined;
  /** The identity the server answered last; undefined until authenticated. */
  identity: unknown;
  /** Settles once the token was presented again after the last reconnect. */
  restored: Promise<unknown> = Promise.resolve();

  override call<K extends keyof IdentityCommands & string>(command: K, params?: IdentityCommands[K]['params']): Promise<IdentityCommands[K]['result']> {
    const result = super.call(command, params);
    if (command === 'authenticate') {
      const token = params?.token;
      result.then(
        (identity) => {
          this.token = token;
          this.identity = identity;
        },
        (error: unknown) => {
          if (error instanceof RpcCallError && this.token === token) this.token = undefined;
        },
      );
    }
    return result;
  }

  override handleReconnected(): void {
    if (this.token === undefined) return;
    this.restored = super.call('authenticate', { token: this.token }).then(
      (identity) => (this.identity = identity),
      (error: unknown) => {
        // Expired meanwhile: the app must get a new token from its backend.
        if (error instanceof RpcCallError) {
          this.token = undefined;
          this.identity = undefined;
        }
      },
    );
  }

  override handleDisconnect(): void {
    super.handleDisconnect();
    this.token = undefined;
    this.identity = undefined;
  }
}

/** Resolves once every Identity connector of `snorky` has presented its token again (at once when there is none). */
export function identityRestored(snorky: Snorky<any>): Promise<unknown> {
  const services = Object.values(snorky.services as Record<string, unknown>);
  return Promise.all(services.filter((s): s is Identity => s instanceof Identity).map((s) => s.restored));
}
