import { Logger } from '@nestjs/common';
import type { Client } from '../client/client';
import type { DropReason } from '../metrics/node-stats';
import { RateLimitedLog } from '../logging/rate-limited-log';

const log = new RateLimitedLog(new Logger('SnorkyDroppedFrames'), 'dropped frames');

/** Counts a dropped frame; the node's SnorkyMetrics satisfies it. */
export interface DropCounter {
  frameDropped(reason: DropReason): void;
}

/**
 * Drops a frame: tells the client's transport (so one-shot transports answer instead of waiting),
 * counts it under `kind` and logs it, rate-limited so a client flooding bad frames cannot flood the log.
 */
export function dropFrame(where: string, kind: DropReason, reason: string, client: Client | undefined, counter: DropCounter | undefined): void {
  client?.frameDropped?.(reason);
  counter?.frameDropped(kind);
  const who = client ? ` from client ${client.id}${client.remoteAddress ? ` (${client.remoteAddress})` : ''}` : '';
  log.warn(`dropped a frame${who} at ${where}: ${reason}`);
}
