import type { JournalPosition } from '../../broker/journal';
import type { Frame } from '../../protocol/envelope';
import type { Delta } from './delta';

/** Builds the frame an original client receives for one delta. */
export type DeltaEncoder = (delta: Delta) => Frame;

/** The start of a resumable subscription's `deltas` frames: everything before the position. */
export function batchFramePrefix(service: string, token: string): string {
  return `{"service":${JSON.stringify(service)},"message":{"type":"deltas","token":${JSON.stringify(token)},`;
}

/**
 * Encodes what one routed batch sends, each thing once however many subscriptions get it (the
 * "serialize once per fan-out" rule): a `delta` frame per delta variant for original clients, and
 * for resumable subscriptions the end of a `deltas` frame per distinct list of variants — the part
 * after the subscription's own prefix (batchFramePrefix), which is all that differs between them.
 * Variants are the delta objects routing hands out (one per delta and rewriting), so a list is
 * identified by the identities of its elements.
 */
export class BatchEncoder {
  private readonly frames = new Map<Delta, Frame>();
  private readonly ids = new Map<Delta, number>();
  private readonly tails = new Map<string, Buffer>();

  constructor(private readonly encode: DeltaEncoder) {}

  deltaFrame(delta: Delta): Frame {
    let frame = this.frames.get(delta);
    if (frame === undefined) this.frames.set(delta, (frame = this.encode(delta)));
    return frame;
  }

  batchTail(deltas: readonly Delta[], position: JournalPosition): Buffer {
    let key = `${position.seq}`;
    for (const delta of deltas) key += `,${this.idOf(delta)}`;
    let tail = this.tails.get(key);
    if (tail === undefined) {
      const body = JSON.stringify({ position: { epoch: position.epoch, seq: position.seq }, deltas });
      this.tails.set(key, (tail = Buffer.from(`${body.slice(1)}}`)));
    }
    return tail;
  }

  private idOf(delta: Delta): number {
    let id = this.ids.get(delta);
    if (id === undefined) this.ids.set(delta, (id = this.ids.size));
    return id;
  }
}
