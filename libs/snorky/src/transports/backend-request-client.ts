import { Client, newClientId, TransportKind } from '../client/client';
import type { Frame } from '../protocol/envelope';

export type BackendOutcome = { frame: string } | { dropped: string } | { unavailable: string };

/**
 * The client handle of one backend HTTP request: one message each way, so the first frame the
 * service sends (or the news that the request was dropped) is the response. Never announced to
 * connect/disconnect hooks.
 */
export class BackendRequestClient implements Client {
  readonly id = newClientId('backend');
  readonly transport: TransportKind = 'backend';
  identity?: unknown;
  readonly outcome: Promise<BackendOutcome>;
  private settle!: (outcome: BackendOutcome) => void;
  private settled = false;

  constructor(readonly remoteAddress: string | undefined) {
    this.outcome = new Promise((resolve) => (this.settle = resolve));
  }

  send(frame: Frame): void {
    this.finish({ frame: typeof frame === 'string' ? frame : frame.toString('utf8') });
  }

  frameDropped(reason: string): void {
    this.finish({ dropped: reason });
  }

  serviceUnavailable(reason: string): void {
    this.finish({ unavailable: reason });
  }

  private finish(outcome: BackendOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(outcome);
  }
}
