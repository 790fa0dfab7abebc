import type { ServicesSetup } from '../support/setups';
import { unique } from './unique';

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$/;

/** PROTOCOL §9, every row, over real sockets. */
export function chatContract(setup: ServicesSetup): void {
  describe(`Chat (${setup.label})`, () => {
    it('refuses anonymous connections: Not authenticated', async () => {
      const a = await setup.open(0);
      expect(await a.error('chat', 'join', { channel: unique('room') })).toBe('Not authenticated');
    });

    it('asks the canJoin hook: Not authorized', async () => {
      const a = await setup.member(0, { id: unique('u') });
      expect(await a.error('chat', 'join', { channel: 'secret' })).toBe('Not authorized');
    });

    it('join answers every member, the joiner included; others get presence joined; Already joined', async () => {
      const channel = { room: unique('room') };
      const [ann, bob] = [{ id: unique('ann') }, { id: unique('bob') }];
      const a = await setup.member(0, ann);
      const b = await setup.member(1, bob);
      expect(await a.call('chat', 'join', { channel })).toEqual({ members: [ann] });
      const joined = await b.call('chat', 'join', { channel });
      expect(joined.members).toHaveLength(2);
      expect(joined.members).toEqual(expect.arrayContaining([ann, bob]));
      const presence = await a.next('chat');
      expect(presence).toEqual({ type: 'presence', from: bob, channel, status: 'joined', timestamp: expect.stringMatching(TIMESTAMP) });
      expect(await b.error('chat', 'join', { channel })).toBe('Already joined');
      await b.quiet('chat');
    });

    it('several connections of one identity are one member: joined on the first, left after the last', async () => {
      const channel = unique('room');
      const [ann, bob] = [{ id: unique('ann') }, { id: unique('bob') }];
      const watcher = await setup.member(0, bob);
      await watcher.call('chat', 'join', { channel });
      const phone = await setup.member(1, ann);
      const laptop = await setup.member(2, ann);
      await phone.call('chat', 'join', { channel });
      expect((await watcher.next('chat')).status).toBe('joined');
      const second = await laptop.call('chat', 'join', { channel });
      expect(second.members).toHaveLength(2);
      expect(second.members).toEqual(expect.arrayContaining([ann, bob]));
      expect(await phone.call('chat', 'leave', { channel })).toBeNull();
      await watcher.quiet('chat');
      await laptop.close(); // disconnecting leaves too
      expect(await watcher.next('chat')).toEqual({ type: 'presence', from: ann, channel, status: 'left', timestamp: expect.stringMatching(TIMESTAMP) });
      expect(await phone.error('chat', 'leave', { channel })).toBe('Not joined');
    });

    it('send: every connection in the channel gets the message, the sender before its reply; Not joined', async () => {
      const channel = unique('room');
      const [ann, bob] = [{ id: unique('ann') }, { id: unique('bob') }];
      const a = await setup.member(0, ann);
      const b = await setup.member(1, bob);
      const outsider = await setup.member(2, { id: unique('eve') });
      await a.call('chat', 'join', { channel });
      await b.call('chat', 'join', { channel });
      await a.next('chat'); // bob joined
      const framesBefore = a.frames.length;
      expect(await a.call('chat', 'send', { channel, body: { text: 'hello' } })).toBeNull();
      const message = { type: 'message', from: ann, channel, body: { text: 'hello' }, timestamp: expect.stringMatching(TIMESTAMP) };
      expect(a.frames[framesBefore]).toEqual({ service: 'chat', message });
      expect(await a.next('chat')).toEqual(message);
      expect(await b.next('chat')).toEqual(message);
      expect(await outsider.error('chat', 'send', { channel, body: 'x' })).toBe('Not joined');
      await outsider.quiet('chat');
    });

    it('read goes to the caller\'s other connections in the channel only', async () => {
      const channel = unique('room');
      const [ann, bob] = [{ id: unique('ann') }, { id: unique('bob') }];
      const phone = await setup.member(0, ann);
      const laptop = await setup.member(1, ann);
      const b = await setup.member(2, bob);
      for (const peer of [b, phone, laptop]) await peer.call('chat', 'join', { channel });
      await b.next('chat'); // ann joined (once)
      expect(await phone.call('chat', 'read', { channel })).toBeNull();
      expect(await laptop.next('chat')).toEqual({ type: 'read', channel, timestamp: expect.stringMatching(TIMESTAMP) });
      await Promise.all([phone.quiet('chat'), b.quiet('chat')]);
    });

    it('compares channels by value: {"__proto__": 1} is a channel of its own', async () => {
      const tag = unique('proto');
      const ann = { id: unique('ann') };
      const a = await setup.member(0, ann);
      await a.call('chat', 'join', { channel: { tag } });
      expect(await a.call('chat', 'join', { channel: JSON.parse(`{"tag":"${tag}","__proto__":1}`) })).toEqual({ members: [ann] });
      expect(await a.error('chat', 'join', { channel: JSON.parse(`{"__proto__":1,"tag":"${tag}"}`) })).toBe('Already joined');
    });

    it('a disconnect is a leave in every channel', async () => {
      const [one, two] = [unique('room'), unique('room')];
      const [ann, bob] = [{ id: unique('ann') }, { id: unique('bob') }];
      const a = await setup.member(0, ann);
      const b = await setup.member(1, bob);
      for (const channel of [one, two]) {
        await b.call('chat', 'join', { channel });
        await a.call('chat', 'join', { channel });
      }
      await b.next('chat');
      await b.next('chat');
      await a.close();
      const left = [await b.next('chat'), await b.next('chat')];
      expect(left.map((p) => [p.status, p.channel]).sort()).toEqual([
        ['left', one],
        ['left', two],
      ].sort());
      await b.call('chat', 'leave', { channel: one });
      expect((await b.call('chat', 'join', { channel: one })).members).toEqual([bob]);
    });
  });
}
