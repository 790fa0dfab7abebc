import { Logger } from '@nestjs/common';
import type { Client } from '../client/client';
import { RateLimitedLog } from './rate-limited-log';

const log = new RateLimitedLog(new Logger('SnorkyDroppedFrames'), 'dropped frames');

/**
 * Drops a frame: tells the client's transport (so one-shot transports answer instead of waiting)
 * and logs it, rate-limited so a client flooding bad frames cannot flood the log.
 */
export function dropFrame(where: string, reason: string, client?: Client): void {
  client?.frameDropped?.(reason);
  const who = client ? ` from client ${client.id}${client.remoteAddress ? ` (${client.remoteAddress})` : ''}` : '';
  log.warn(`dropped a frame${who} at ${where}: ${reason}`);
}
