import type { IncomingMessage, Server } from 'http';
import type { Socket } from 'net';
import type * as sockjs from 'sockjs';
import type { ConnectionAuthenticator, HandshakeResult } from '../handshake/connection-authenticator';
import { handshakeOfRequest } from '../handshake/handshake-of-request';
import type { SnorkyHandshake } from '../handshake/snorky-authenticator';

/** Close code a SockJS session gets when the authenticator refuses it (the 401 of the WebSocket upgrade). */
export const SOCKJS_UNAUTHORIZED_CLOSE = { code: 4401, reason: 'Unauthorized' } as const;
/** Close code when a session sends more than it may hold while it is being authenticated. */
export const SOCKJS_TOO_MUCH_BEFORE_AUTH_CLOSE = { code: 4413, reason: 'Too much data before authentication' } as const;

/**
 * The `sockjs` package hides the request that opened a session: its connection keeps a few headers,
 * never Cookie nor Origin. So every request under the prefix is seen first here and its handshake
 * kept per TCP connection (remote address + port) while that connection is open; a new session's
 * connection, which carries the address and port it was opened from, finds it there.
 */
export class SockJsHandshakes {
  private readonly byPeer = new Map<string, SnorkyHandshake>();
  private readonly watched = new WeakSet<Socket>();

  install(server: Server, prefix: string): void {
    const record = (req: IncomingMessage) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== prefix && !path.startsWith(`${prefix}/`)) return;
      const socket = req.socket;
      const key = peerKey(socket.remoteAddress, socket.remotePort);
      if (key === undefined) return;
      this.byPeer.set(key, handshakeOfRequest(req));
      if (!this.watched.has(socket)) {
        this.watched.add(socket);
        socket.once('close', () => this.byPeer.delete(key));
      }
    };
    server.prependListener('request', record);
    server.prependListener('upgrade', record);
  }

  /** The handshake of the request that opened `connection`'s session. */
  of(connection: sockjs.Connection): SnorkyHandshake {
    const key = peerKey(connection.remoteAddress, connection.remotePort);
    const recorded = key === undefined ? undefined : this.byPeer.get(key);
    if (recorded) return recorded;
    // Not seen (cannot happen for a session opened through `install`'s server): what sockjs kept.
    return handshakeOfRequest({ headers: connection.headers, url: connection.url, socket: { remoteAddress: connection.remoteAddress } } as unknown as IncomingMessage);
  }
}

function peerKey(address: string | undefined, port: number | undefined): string | undefined {
  return address === undefined || port === undefined ? undefined : `${address}|${port}`;
}

/**
 * Runs the authenticator for a SockJS session that is already open, holding the frames it sends
 * meanwhile (at most `maxHeldBytes`); they are handed on in order once it is accepted. Resolves
 * with undefined when the session closed, was refused (closed with 4401) or sent too much.
 */
export async function authenticateSockJsSession(
  connection: sockjs.Connection,
  handshake: SnorkyHandshake,
  authenticator: ConnectionAuthenticator,
  maxHeldBytes: number,
): Promise<{ identity: unknown; held: string[] } | undefined> {
  const held: string[] = [];
  let heldBytes = 0;
  let closed = false;
  const hold = (data: string) => {
    if (closed) return;
    heldBytes += data.length;
    if (heldBytes > maxHeldBytes) {
      closed = true;
      closeSession(connection, SOCKJS_TOO_MUCH_BEFORE_AUTH_CLOSE);
      return;
    }
    held.push(data);
  };
  const gone = () => (closed = true);
  connection.on('data', hold);
  connection.on('close', gone);
  let result: HandshakeResult;
  try {
    result = await authenticator.authenticate(handshake);
  } finally {
    connection.off('data', hold);
    connection.off('close', gone);
  }
  if (closed) return undefined;
  if (!result.accepted) {
    closeSession(connection, SOCKJS_UNAUTHORIZED_CLOSE);
    return undefined;
  }
  return { identity: result.identity, held };
}

/** sockjs sends the code as given: a number, as clients expect (its typings say string). */
function closeSession(connection: sockjs.Connection, close: { code: number; reason: string }): void {
  (connection.close as unknown as (code: number, reason: string) => void).call(connection, close.code, close.reason);
}
