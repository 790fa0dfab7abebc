/**
 * What an authenticator sees of a connection being opened (the WebSocket upgrade request, or the
 * request that opened a SockJS session). Header names are lower-case, as Node gives them.
 */
export interface SnorkyHandshake {
  headers: Record<string, string | string[] | undefined>;
  /** Parsed from the Cookie header; `{}` when there is none. */
  cookies: Record<string, string>;
  /** Parsed from the request URL's query string; a key given twice keeps its last value. */
  query: Record<string, string>;
  remoteAddress: string | undefined;
  /** The Origin header (browsers send it on every WebSocket upgrade). */
  origin: string | undefined;
}

/**
 * Decides who is on the other end of a frontend connection (PROTOCOL §7). An injectable class given
 * as `SnorkyModule.forRoot({ frontend: { authenticator: MyAuthenticator } })`; it may inject other
 * providers (JwtService, a repository, ConfigService).
 *
 * Runs once per connection, before any of its frames is read. The value returned becomes
 * `client.identity` (`null`/`undefined`: anonymous). Throwing (UnauthorizedException or any other
 * error) refuses the connection: the WebSocket upgrade is answered 401, a SockJS session is closed
 * with code 4401.
 */
export interface SnorkyAuthenticator {
  authenticate(handshake: SnorkyHandshake): unknown | Promise<unknown>;
}
