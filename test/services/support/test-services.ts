import { Injectable } from '@nestjs/common';
import {
  ChatService,
  Client,
  CursorsService,
  MessagingService,
  SnorkyService,
  type SnorkyAuthenticator,
  type SnorkyHandshake,
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

/**
 * How the test apps authenticate (PROTOCOL §7, a Nest app's authenticator): the identity is the JSON in
 * the `identity` query parameter of the WebSocket URL; none = anonymous.
 */
@Injectable()
export class QueryAuthenticator implements SnorkyAuthenticator {
  authenticate(handshake: SnorkyHandshake): unknown {
    const identity = handshake.query.identity;
    return identity === undefined ? null : JSON.parse(identity);
  }
}

/** `url` for a connection authenticated as `identity`. */
export function urlAs(url: string, identity: unknown): string {
  return `${url}?identity=${encodeURIComponent(JSON.stringify(identity))}`;
}

export const SERVICE_PROVIDERS = [PolicyMessaging, PolicyChat, PolicyCursors];

/** Limits of the test apps (PROTOCOL §11): few subscriptions, so the quota is reached in a test. */
export const TEST_LIMITS = { maxSubscriptions: 8 };
