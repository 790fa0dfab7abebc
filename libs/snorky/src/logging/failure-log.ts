import { Logger } from '@nestjs/common';
import { RateLimitedLog } from './rate-limited-log';

/**
 * Failing commands, services and dealers: a client can make a command fail at will, so their stacks
 * share one rate-limited budget (one flood, one bounded log), like dropped frames.
 */
export const failureLog = new RateLimitedLog(new Logger('SnorkyFailures'), 'failures');
