import type { Delta, DeltaPublisher } from '@snorky/backend';

/** A DeltaPublisher that records each batch (the seam SnorkySubscriber publishes through). */
export class RecordingPublisher implements DeltaPublisher {
  readonly batches: Delta[][] = [];
  /** Set to make publishDeltas fail (or be slow) the way a real backend can. */
  behaviour: (deltas: Delta[]) => Promise<void> | void = () => undefined;

  async publishDeltas(deltas: Delta[]): Promise<void> {
    await this.behaviour(deltas);
    this.batches.push(deltas);
  }

  get deltas(): Delta[] {
    return this.batches.flat();
  }
}
