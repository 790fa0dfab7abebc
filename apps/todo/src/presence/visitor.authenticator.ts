import { Injectable } from '@nestjs/common';
import type { SnorkyAuthenticator, SnorkyHandshake } from '@snorky/nest';

const NAME = /^[\p{L}\p{N} ._-]{1,24}$/u;

/**
 * Who a demo window is (PROTOCOL §7): the display name the page puts in its WebSocket URL
 * (`?user=ann`). The demo has no login, so it trusts the name; a real app reads its session cookie
 * here instead. No (or a bad) name: anonymous — the todos still sync, presence and cursors are off.
 */
@Injectable()
export class VisitorAuthenticator implements SnorkyAuthenticator {
  authenticate(handshake: SnorkyHandshake): { name: string } | null {
    const name = handshake.query.user?.trim();
    return name && NAME.test(name) ? { name } : null;
  }
}
