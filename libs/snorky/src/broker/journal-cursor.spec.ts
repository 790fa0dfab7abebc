import { Logger } from '@nestjs/common';
import { BrokerUnavailableError } from './broker-unavailable.error';
import { JournalPosition } from './journal';
import { JournalCursor, JournalSource } from './journal-cursor';

/** A journal in memory standing in for Redis: entries by epoch, a head, and switchable failures. */
class FakeJournal implements JournalSource {
  epoch = 'e1';
  entries: string[] = []; // entries[i] has seq i + 1
  firstHeld = 1;
  failing = false;
  reads: [number, number][] = [];

  add(payload: unknown): number {
    this.entries.push(JSON.stringify(payload));
    return this.entries.length;
  }

  async head(): Promise<JournalPosition> {
    if (this.failing) throw new Error('down');
    return { epoch: this.epoch, seq: this.entries.length };
  }

  async read(from: JournalPosition, upto: JournalPosition): Promise<string[] | undefined> {
    if (this.failing) throw new Error('down');
    this.reads.push([from.seq, upto.seq]);
    if (from.epoch !== this.epoch || from.seq + 1 < this.firstHeld) return undefined;
    return this.entries.slice(from.seq, upto.seq);
  }
}

const quietLogger = { warn: jest.fn(), error: jest.fn(), log: jest.fn() } as unknown as Logger;
const flush = () => new Promise((r) => setImmediate(r));

describe('JournalCursor', () => {
  let journal: FakeJournal;
  let delivered: unknown[];
  let cursor: JournalCursor;
  /** Publishes on the fake journal; `arrive` = whether this node's subscription receives it. */
  const broadcast = (payload: unknown, arrive = true) => {
    const seq = journal.add(payload);
    if (arrive) cursor.onMessage(journal.epoch, seq, JSON.stringify(payload));
    return seq;
  };

  beforeEach(async () => {
    journal = new FakeJournal();
    delivered = [];
    cursor = new JournalCursor('datasync:test', journal, (p) => delivered.push(p), quietLogger);
    broadcast('before this node', false);
    cursor.resync();
    await flush();
  });

  it('starts at the head on its first sync, then delivers consecutive broadcasts synchronously', () => {
    expect(cursor.position).toEqual({ epoch: 'e1', seq: 1 });
    broadcast('a');
    broadcast('b');
    expect(delivered).toEqual(['a', 'b']);
    expect(journal.reads).toEqual([]);
  });

  it('has no synced position while a resync is under way (its old one may be of a journal that is gone)', async () => {
    broadcast('a');
    journal.failing = true; // Redis away: the resync waits
    cursor.resync();
    expect(cursor.position).toEqual({ epoch: 'e1', seq: 2 });
    expect(cursor.syncedPosition).toBeUndefined();
    await flush();
    expect(cursor.syncedPosition).toBeUndefined();
    journal.failing = false;
    journal.epoch = 'e2'; // it came back empty
    journal.entries = [];
    await new Promise((r) => setTimeout(r, 300)); // the cursor retries by itself
    expect(cursor.syncedPosition).toEqual({ epoch: 'e2', seq: 0 });
  });

  it('reads a gap back from the journal, keeping later arrivals behind it, in order', async () => {
    broadcast('a');
    broadcast('missed 1', false);
    broadcast('missed 2', false);
    broadcast('c');
    broadcast('d'); // arrives while the gap is being read
    await flush();
    expect(delivered).toEqual(['a', 'missed 1', 'missed 2', 'c', 'd']);
    expect(journal.reads).toEqual([[2, 4]]);
  });

  it('drops what it already delivered (a live message that the journal read already covered)', async () => {
    broadcast('missed', false);
    const seq = broadcast('late', false);
    cursor.resync(); // reconnect: reads both back
    await flush();
    cursor.onMessage('e1', seq, JSON.stringify('late')); // then the live copy arrives
    await flush();
    expect(delivered).toEqual(['missed', 'late']);
  });

  it('starts over when the journal does (Redis lost its data): reads the new epoch from its start', async () => {
    journal.epoch = 'e2';
    journal.entries = [];
    broadcast('new 1', false);
    broadcast('new 2');
    await flush();
    expect(delivered).toEqual(['new 1', 'new 2']);
    expect(cursor.position).toEqual({ epoch: 'e2', seq: 2 });
  });

  it('skips, loudly, what the journal no longer holds', async () => {
    broadcast('gone', false);
    journal.firstHeld = 3;
    broadcast('next');
    await flush();
    expect(delivered).toEqual(['next']);
    expect(quietLogger.error).toHaveBeenCalledWith(expect.stringContaining('no longer in the journal'));
  });

  it('keeps a message whose gap it could not read (Redis down) and retries on the next event', async () => {
    journal.failing = true;
    broadcast('missed', false);
    broadcast('after');
    await flush();
    expect(delivered).toEqual([]);
    journal.failing = false;
    cursor.resync();
    await flush();
    expect(delivered).toEqual(['missed', 'after']);
  });

  it('retries a failed catch-up by itself when nothing more is broadcast', async () => {
    journal.failing = true;
    broadcast('missed', false);
    broadcast('last');
    await flush();
    expect(delivered).toEqual([]);
    journal.failing = false; // Redis answers again; no further message or resync comes
    await new Promise((r) => setTimeout(r, 400)); // first retry after 250 ms
    expect(delivered).toEqual(['missed', 'last']);
  });

  it('tells when a position is reached, or fails fast', async () => {
    const reached = cursor.reached({ epoch: 'e1', seq: 3 }, 1000);
    broadcast('a');
    broadcast('b');
    await expect(reached).resolves.toBeUndefined();
    await expect(cursor.reached({ epoch: 'e1', seq: 99 }, 20)).rejects.toBeInstanceOf(BrokerUnavailableError);
  });

  it('reports a gap (onGap) when the journal started over or no longer holds what was missed, not when it fills one', async () => {
    const gaps: number[] = [];
    cursor = new JournalCursor('pubsub:test', journal, (p) => delivered.push(p), quietLogger, () => gaps.push(delivered.length));
    cursor.resync();
    await flush();
    broadcast('missed', false);
    broadcast('after');
    await flush();
    expect(delivered).toEqual(['missed', 'after']); // read back: no gap
    expect(gaps).toEqual([]);
    broadcast('gone', false);
    journal.firstHeld = journal.entries.length + 1; // trimmed before this node read it back
    broadcast('next');
    await flush();
    expect(gaps).toEqual([2]);
    journal.epoch = 'e2'; // Redis restarted empty
    journal.entries = [];
    journal.firstHeld = 1;
    broadcast('new epoch');
    await flush();
    expect(gaps).toEqual([2, 3]);
    expect(delivered.slice(-1)).toEqual(['new epoch']);
  });
});
