import { Injectable } from '@nestjs/common';

/**
 * Whether this node is draining (app.close(), SIGTERM), and the backend requests in flight, which the
 * drain lets finish (within its bound) before closing the WebSocket clients they may publish to.
 */
@Injectable()
export class DrainState {
  private isDraining = false;
  private inFlight = 0;
  private wakeWhenIdle: (() => void)[] = [];

  get draining(): boolean {
    return this.isDraining;
  }

  beginDrain(): void {
    this.isDraining = true;
  }

  /** Counts one backend request in flight; call the returned function once it is answered. */
  track(): () => void {
    this.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.inFlight === 0) this.wakeWhenIdle.splice(0).forEach((wake) => wake());
    };
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Resolves once no backend request is in flight, or after `timeoutMs`; true if they all finished. */
  async settled(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return true;
    if (timeoutMs <= 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.wakeWhenIdle.push(() => resolve(true)));
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([idle, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
