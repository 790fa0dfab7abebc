import { LocalBroker } from './broker';

describe('Broker (in-memory journal and claims, as LocalBroker has them)', () => {
  it('numbers the broadcasts of a journaled channel and reads them back between two positions', async () => {
    const broker = new LocalBroker();
    const seen: unknown[] = [];
    broker.keepJournal('ch', { retentionMs: 60_000, maxEntries: 3 });
    broker.onBroadcast('ch', (p) => seen.push(p));
    const start = broker.journalPosition('ch')!;
    for (const p of ['a', 'b', 'c', 'd']) await broker.broadcast('ch', p);
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
    const now = broker.journalPosition('ch')!;
    expect(now.seq - start.seq).toBe(4);
    expect(await broker.readJournal('ch', { ...start, seq: 1 }, now)).toEqual(['b', 'c', 'd']);
    // only 3 are kept: reading from the start is refused rather than answered with a hole
    expect(await broker.readJournal('ch', start, now)).toBeUndefined();
    expect(await broker.readJournal('ch', now, now)).toEqual([]);
  });

  it('gives a claim to exactly one taker, and forgets it after its TTL', async () => {
    const broker = new LocalBroker();
    expect(await broker.putClaim('k', 'v', 50)).toBe(true);
    expect(await broker.putClaim('k', 'other', 50)).toBe(false);
    expect(await Promise.all([broker.takeClaim('k'), broker.takeClaim('k')])).toEqual(['v', undefined]);
    await broker.putClaim('short', 'v', 10);
    await new Promise((r) => setTimeout(r, 30));
    expect(await broker.takeClaim('short')).toBeUndefined();
  });
});
