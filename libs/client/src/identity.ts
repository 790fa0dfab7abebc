import { rpcConnector } from './rpc-service';

/** The frontend identity service's one command (PROTOCOL §7). */
export type IdentityCommands = {
  authenticate: { params: { token: string }; result: unknown };
};

/**
 * Connector for the identity service: `authenticate({ token })` resolves with the identity the
 * token stands for, which the server now uses for this connection. With the `identityToken` option
 * `Snorky` calls it by itself at every (re)connect; list it in the services map only to call it
 * yourself (e.g. after signing in).
 */
export class Identity extends rpcConnector<IdentityCommands>(['authenticate']) {}

/** `identityToken`: a token, or a function giving one (or a promise of one), asked at every connect. */
export type IdentityTokenOption = string | (() => string | null | undefined | PromiseLike<string | null | undefined>);

export interface AuthenticatedEvent {
  /** The identity the server answered; undefined when `error` is set. */
  identity?: unknown;
  /** Why the connection stays anonymous: the token function failed, or the server refused the token. */
  error?: Error;
}

/** The token for this connection attempt; null when there is none (the connection stays anonymous). */
export async function currentIdentityToken(option: IdentityTokenOption): Promise<string | null> {
  const token = typeof option === 'function' ? await option() : option;
  return token ?? null;
}
