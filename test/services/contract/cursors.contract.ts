import type { ServicesSetup } from '../support/setups';
import { unique } from './unique';

/** PROTOCOL §10, every row, over real sockets. */
export function cursorsContract(setup: ServicesSetup): void {
  describe(`Cursors (${setup.label})`, () => {
    async function two(document: unknown) {
      const [ann, bob] = [{ id: unique('ann') }, { id: unique('bob') }];
      const a = await setup.member(0, ann);
      const b = await setup.member(1, bob);
      expect(await a.call('cursors', 'join', { document })).toEqual({ cursors: [] });
      expect(await b.call('cursors', 'join', { document })).toEqual({ cursors: [] });
      return { a, b, ann, bob };
    }

    it('join: Not authenticated, Not authorized (canJoin hook), Already joined', async () => {
      const anonymous = await setup.open(0);
      expect(await anonymous.error('cursors', 'join', { document: unique('doc') })).toBe('Not authenticated');
      const a = await setup.member(0, { id: unique('ann') });
      expect(await a.error('cursors', 'join', { document: 'secret' })).toBe('Not authorized');
      const document = unique('doc');
      await a.call('cursors', 'join', { document });
      expect(await a.error('cursors', 'join', { document })).toBe('Already joined');
    });

    it('createCursor answers an integer public handle; the others in the document get cursorAdded, the author does not', async () => {
      const document = { doc: unique('doc') };
      const { a, b, ann } = await two(document);
      const handle = await a.call('cursors', 'createCursor', { privateHandle: 1, document, position: { line: 3 }, status: 'typing' });
      expect(Number.isInteger(handle)).toBe(true);
      expect(await b.next('cursors')).toEqual({
        type: 'cursorAdded',
        cursor: { publicHandle: handle, document, position: { line: 3 }, status: 'typing', owner: ann },
      });
      await a.quiet('cursors');
    });

    it('join answers the cursors already in the document', async () => {
      const document = unique('doc');
      const { a, ann } = await two(document);
      const handle = await a.call('cursors', 'createCursor', { privateHandle: 'p', document, position: 5, status: null });
      const late = await setup.member(2, { id: unique('carl') });
      expect(await late.call('cursors', 'join', { document })).toEqual({
        cursors: [{ publicHandle: handle, document, position: 5, status: null, owner: ann }],
      });
    });

    it('createCursor checks Not joined, Reused handle, Too many cursors (16), in that order', async () => {
      const document = unique('doc');
      const a = await setup.member(0, { id: unique('ann') });
      expect(await a.error('cursors', 'createCursor', { privateHandle: 0, document, position: 0, status: 0 })).toBe('Not joined');
      await a.call('cursors', 'join', { document });
      for (let i = 0; i < 16; i++) await a.call('cursors', 'createCursor', { privateHandle: i, document, position: i, status: 0 });
      expect(await a.error('cursors', 'createCursor', { privateHandle: 3, document, position: 0, status: 0 })).toBe('Reused handle');
      expect(await a.error('cursors', 'createCursor', { privateHandle: 99, document, position: 0, status: 0 })).toBe('Too many cursors');
      expect(await a.error('cursors', 'createCursor', { privateHandle: 3, document: unique('doc'), position: 0, status: 0 })).toBe('Not joined');
      expect(await a.error('cursors', 'createCursor', { privateHandle: 99, document, position: 0 })).toBe('Invalid params');
    });

    it('updateCursor changes position and/or status; others get cursorUpdated; No such cursor', async () => {
      const document = unique('doc');
      const { a, b, ann } = await two(document);
      const handle = await a.call('cursors', 'createCursor', { privateHandle: 7, document, position: 1, status: 'idle' });
      await b.next('cursors');
      expect(await a.call('cursors', 'updateCursor', { privateHandle: 7, newData: { position: 2 } })).toBeNull();
      expect(await b.next('cursors')).toEqual({ type: 'cursorUpdated', cursor: { publicHandle: handle, document, position: 2, status: 'idle', owner: ann } });
      await a.call('cursors', 'updateCursor', { privateHandle: 7, newData: { status: 'typing', position: 3 } });
      expect((await b.next('cursors')).cursor).toMatchObject({ position: 3, status: 'typing' });
      expect(await b.error('cursors', 'updateCursor', { privateHandle: 7, newData: { position: 9 } })).toBe('No such cursor');
      expect(await a.error('cursors', 'updateCursor', { privateHandle: 7, newData: 'x' })).toBe('Invalid params');
      await a.quiet('cursors');
    });

    it('removeCursor: others get cursorRemoved {publicHandle, document}; No such cursor', async () => {
      const document = unique('doc');
      const { a, b } = await two(document);
      const handle = await a.call('cursors', 'createCursor', { privateHandle: 1, document, position: 1, status: 1 });
      await b.next('cursors');
      expect(await a.call('cursors', 'removeCursor', { privateHandle: 1 })).toBeNull();
      expect(await b.next('cursors')).toEqual({ type: 'cursorRemoved', cursor: { publicHandle: handle, document } });
      expect(await a.error('cursors', 'removeCursor', { privateHandle: 1 })).toBe('No such cursor');
      expect((await setup.member(2, { id: 'x' }).then((c) => c.call('cursors', 'join', { document }))).cursors).toEqual([]);
    });

    it('leave removes the caller\'s cursors there, each notified; Not joined', async () => {
      const document = unique('doc');
      const other = unique('doc');
      const { a, b } = await two(document);
      await a.call('cursors', 'join', { document: other });
      const h1 = await a.call('cursors', 'createCursor', { privateHandle: 1, document, position: 1, status: 1 });
      const h2 = await a.call('cursors', 'createCursor', { privateHandle: 2, document, position: 2, status: 2 });
      await a.call('cursors', 'createCursor', { privateHandle: 3, document: other, position: 3, status: 3 });
      await b.next('cursors');
      await b.next('cursors');
      expect(await a.call('cursors', 'leave', { document })).toBeNull();
      const removed = [await b.next('cursors'), await b.next('cursors')];
      expect(removed.map((r) => r.cursor.publicHandle).sort()).toEqual([h1, h2].sort());
      expect(removed.every((r) => r.type === 'cursorRemoved')).toBe(true);
      expect(await a.error('cursors', 'leave', { document })).toBe('Not joined');
      expect(await a.error('cursors', 'updateCursor', { privateHandle: 1, newData: {} })).toBe('No such cursor');
      expect(await a.call('cursors', 'updateCursor', { privateHandle: 3, newData: { position: 4 } })).toBeNull();
    });

    it('disconnecting leaves every document: its cursors are removed', async () => {
      const document = unique('doc');
      const { a, b } = await two(document);
      const handle = await a.call('cursors', 'createCursor', { privateHandle: 1, document, position: 1, status: 1 });
      await b.next('cursors');
      await a.close();
      expect(await b.next('cursors')).toEqual({ type: 'cursorRemoved', cursor: { publicHandle: handle, document } });
    });

    it('public handles are unique in their document (Fix)', async () => {
      const document = unique('doc');
      const peers = await Promise.all([0, 1, 2].map((i) => setup.member(i, { id: unique('p') })));
      await Promise.all(peers.map((p) => p.call('cursors', 'join', { document })));
      const handles = (
        await Promise.all(peers.map((p) => Promise.all(Array.from({ length: 16 }, (_, i) => p.call('cursors', 'createCursor', { privateHandle: i, document, position: i, status: 0 })))))
      ).flat();
      expect(new Set(handles).size).toBe(48);
    });
  });
}
