import type { IncomingMessage } from 'http';
import { handshakeOfRequest } from '../handshake/handshake-of-request';
import type { ConnectionAuthenticator } from '../handshake/connection-authenticator';
import type { SnorkyMetrics } from '../metrics/snorky-metrics';

type VerifyDone = (ok: boolean, code?: number, message?: string) => void;
type VerifyClient = (info: { origin: string; req: IncomingMessage }, done: VerifyDone) => void;

/**
 * The checks a WebSocket upgrade passes before it is accepted: the origin allowlist (403), then the
 * app's authenticator (401). Authenticating before the upgrade completes means no frame can arrive
 * while an async authenticator runs: the identity is on the client before its first frame.
 */
export class WebSocketHandshake {
  private readonly identities = new WeakMap<IncomingMessage, unknown>();

  constructor(
    private readonly allowedOrigins: string[] | undefined,
    private readonly authenticator: ConnectionAuthenticator,
    private readonly metrics?: SnorkyMetrics,
  ) {}

  /** ws's `verifyClient`; undefined when there is nothing to check (ws then skips the hook). */
  get verifyClient(): VerifyClient | undefined {
    if (!this.allowedOrigins && !this.authenticator.enabled) return undefined;
    return (info, done) => this.verify(info, done);
  }

  /** The identity the authenticator gave the upgrade request (undefined = anonymous). */
  identityOf(req: IncomingMessage): unknown {
    return this.identities.get(req);
  }

  private verify(info: { origin: string; req: IncomingMessage }, done: VerifyDone): void {
    if (this.allowedOrigins && !this.allowedOrigins.includes(info.origin)) {
      this.metrics?.connectionRefused('origin', `origin ${JSON.stringify(info.origin)} not allowed (websocket, ${info.req.socket.remoteAddress ?? 'unknown'})`);
      return done(false, 403, 'Origin not allowed');
    }
    if (!this.authenticator.enabled) return done(true);
    void this.authenticator.authenticate(handshakeOfRequest(info.req)).then((result) => {
      if (!result.accepted) return done(false, 401, 'Unauthorized');
      if (result.identity !== undefined) this.identities.set(info.req, result.identity);
      done(true);
    });
  }
}
