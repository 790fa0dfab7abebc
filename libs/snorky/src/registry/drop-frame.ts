import { Logger } from '@nestjs/common';
import type { Client } from '../client/client';

const logger = new Logger('SnorkyDroppedFrames');
const WINDOW_MS = 10_000;
const MAX_PER_WINDOW = 20;

let windowStart = 0;
let loggedInWindow = 0;
let suppressed = 0;

/**
 * Drops a frame: tells the client's transport (so one-shot transports answer instead of waiting)
 * and logs it. Rate-limited so a client flooding bad frames cannot flood the log:
 * at most MAX_PER_WINDOW lines per window, then one line saying how many were suppressed.
 */
export function dropFrame(where: string, reason: string, client?: Client): void {
  client?.frameDropped?.(reason);
  const now = Date.now();
  if (now - windowStart >= WINDOW_MS) {
    if (suppressed > 0) logger.warn(`${suppressed} more dropped frames were not logged in the last ${WINDOW_MS / 1000} s`);
    windowStart = now;
    loggedInWindow = 0;
    suppressed = 0;
  }
  if (loggedInWindow >= MAX_PER_WINDOW) {
    suppressed++;
    return;
  }
  loggedInWindow++;
  const who = client ? ` from client ${client.id}${client.remoteAddress ? ` (${client.remoteAddress})` : ''}` : '';
  logger.warn(`dropped a frame${who} at ${where}: ${reason}`);
}
