import { eventually } from '../../cluster/support/cluster';
import type { ServicesSetup } from '../support/setups';
import { unique } from './unique';

/** PROTOCOL §8, every row, over real sockets. Peers i and i+1 are on different nodes in a cluster. */
export function messagingContract(setup: ServicesSetup): void {
  describe(`Messaging (${setup.label})`, () => {
    it('registers a name; listParticipants shows it; it is unique (also for the connection holding it)', async () => {
      const [a, b] = [await setup.open(0), await setup.open(1)];
      const name = unique('ann');
      expect(await a.call('messaging', 'registerParticipant', { name })).toBeNull();
      expect(await a.call('messaging', 'listParticipants')).toContain(name);
      expect(await b.call('messaging', 'listParticipants')).toContain(name);
      expect(await b.error('messaging', 'registerParticipant', { name })).toBe('Name already registered');
      expect(await a.error('messaging', 'registerParticipant', { name })).toBe('Name already registered');
    });

    it('asks the isNameAllowed hook: Name not allowed', async () => {
      const a = await setup.open(0);
      expect(await a.error('messaging', 'registerParticipant', { name: unique('admin') })).toBe('Name not allowed');
    });

    it('unregisters its own name only: Unknown participant, Invalid participant', async () => {
      const [a, b] = [await setup.open(0), await setup.open(1)];
      const name = unique('bob');
      await a.call('messaging', 'registerParticipant', { name });
      expect(await b.error('messaging', 'unregisterParticipant', { name })).toBe('Invalid participant');
      expect(await a.call('messaging', 'unregisterParticipant', { name })).toBeNull();
      expect(await a.error('messaging', 'unregisterParticipant', { name })).toBe('Unknown participant');
      expect(await a.call('messaging', 'listParticipants')).not.toContain(name);
      expect(await b.call('messaging', 'registerParticipant', { name })).toBeNull();
    });

    it('lists names of mixed JSON types sorted, numbers before strings (Fix)', async () => {
      const a = await setup.open(0);
      const tag = unique('mix');
      const names = [`${tag}-b`, 7_000_000_002, `${tag}-a`, 7_000_000_001, [tag]];
      for (const name of names) await a.call('messaging', 'registerParticipant', { name });
      const list: unknown[] = await a.call('messaging', 'listParticipants');
      const ours = list.filter((n) => names.some((m) => JSON.stringify(m) === JSON.stringify(n)));
      expect(ours).toEqual([7_000_000_001, 7_000_000_002, `${tag}-a`, `${tag}-b`, [tag]]);
      const numbers = list.filter((n) => typeof n === 'number');
      const firstString = list.findIndex((n) => typeof n === 'string');
      expect(list.slice(0, numbers.length)).toEqual(numbers);
      expect(firstString).toBe(numbers.length);
    });

    it('send delivers {type: message, sender, dest, body} to the holder of dest only', async () => {
      const [a, b, c] = [await setup.open(0), await setup.open(1), await setup.open(2)];
      const [ann, bob] = [unique('ann'), unique('bob')];
      await a.call('messaging', 'registerParticipant', { name: ann });
      await b.call('messaging', 'registerParticipant', { name: bob });
      const sent = JSON.parse(`{"text":"hi","__proto__":"data","list":[1]}`);
      expect(await a.call('messaging', 'send', { sender: ann, dest: bob, body: sent })).toBeNull();
      expect(await b.next('messaging')).toEqual({ type: 'message', sender: ann, dest: bob, body: sent });
      expect(await b.call('messaging', 'send', { sender: bob, dest: ann, body: 'back' })).toBeNull();
      expect(await a.next('messaging')).toEqual({ type: 'message', sender: bob, dest: ann, body: 'back' });
      await Promise.all([a.quiet('messaging'), c.quiet('messaging')]);
    });

    it('a message to one of its own names reaches the sender', async () => {
      const a = await setup.open(0);
      const [one, two] = [unique('one'), unique('two')];
      await a.call('messaging', 'registerParticipant', { name: one });
      await a.call('messaging', 'registerParticipant', { name: two });
      await a.call('messaging', 'send', { sender: one, dest: two, body: 1 });
      expect(await a.next('messaging')).toEqual({ type: 'message', sender: one, dest: two, body: 1 });
    });

    it('refuses a sender that is not a name of this connection, and an unknown destination', async () => {
      const [a, b] = [await setup.open(0), await setup.open(1)];
      const [ann, bob] = [unique('ann'), unique('bob')];
      await a.call('messaging', 'registerParticipant', { name: ann });
      await b.call('messaging', 'registerParticipant', { name: bob });
      expect(await a.error('messaging', 'send', { sender: bob, dest: ann, body: 'x' })).toBe('Invalid sender');
      expect(await a.error('messaging', 'send', { sender: unique('nobody'), dest: bob, body: 'x' })).toBe('Invalid sender');
      expect(await a.error('messaging', 'send', { sender: ann, dest: unique('nobody'), body: 'x' })).toBe('Unknown destination');
      expect(await a.error('messaging', 'send', { sender: ann, dest: bob })).toBe('Invalid params');
      expect(await a.error('messaging', 'registerParticipant', {})).toBe('Invalid params');
    });

    it('compares names by value: {"__proto__": 1} is a name of its own', async () => {
      const [a, b] = [await setup.open(0), await setup.open(1)];
      const tag = unique('proto');
      const plain = { tag };
      const proto = JSON.parse(`{"tag":"${tag}","__proto__":1}`);
      await a.call('messaging', 'registerParticipant', { name: plain });
      expect(await b.call('messaging', 'registerParticipant', { name: proto })).toBeNull();
      await a.call('messaging', 'send', { sender: plain, dest: proto, body: 'p' });
      expect((await b.next('messaging')).dest).toEqual(proto);
      expect(await a.error('messaging', 'registerParticipant', { name: JSON.parse(`{"__proto__":1,"tag":"${tag}"}`) })).toBe('Name already registered');
    });

    it('frees every name of a connection when it disconnects', async () => {
      const [a, b] = [await setup.open(0), await setup.open(1)];
      const [x, y, bob] = [unique('x'), unique('y'), unique('bob')];
      await a.call('messaging', 'registerParticipant', { name: x });
      await a.call('messaging', 'registerParticipant', { name: y });
      await b.call('messaging', 'registerParticipant', { name: bob });
      await a.close();
      await eventually(async () => {
        const list = await b.call('messaging', 'listParticipants');
        expect(list).not.toContain(x);
        expect(list).not.toContain(y);
      });
      expect(await b.error('messaging', 'send', { sender: bob, dest: x, body: 'x' })).toBe('Unknown destination');
      expect(await b.call('messaging', 'registerParticipant', { name: x })).toBeNull();
    });
  });
}
