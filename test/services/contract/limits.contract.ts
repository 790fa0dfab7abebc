import type { ServicesSetup } from '../support/setups';
import { TEST_LIMITS } from '../support/test-services';
import { unique } from './unique';

/** The test apps' limits.maxSubscriptions (maxChannelSize is the default, 1024 bytes). */
const TEST_MAX_SUBSCRIPTIONS = TEST_LIMITS.maxSubscriptions;

/** PROTOCOL §11 for the services of §8–§10: subscriptions per connection, size of channels, documents and names. */
export function limitsContract(setup: ServicesSetup): void {
  describe(`Messaging, Chat, Cursors limits (${setup.label})`, () => {
    it.each([
      ['chat', 'channel'],
      ['cursors', 'document'],
    ])('%s: a connection holds at most maxSubscriptions %ss; Too many subscriptions, others unaffected', async (service, param) => {
      const a = await setup.member(0, { id: unique('ann') });
      const b = await setup.member(1, { id: unique('bob') });
      const names = Array.from({ length: TEST_MAX_SUBSCRIPTIONS + 1 }, () => unique(param));
      for (const name of names.slice(0, TEST_MAX_SUBSCRIPTIONS)) await a.call(service, 'join', { [param]: name });
      expect(await a.error(service, 'join', { [param]: names[TEST_MAX_SUBSCRIPTIONS] })).toBe('Too many subscriptions');
      expect(await b.call(service, 'join', { [param]: names[TEST_MAX_SUBSCRIPTIONS] })).toBeDefined();
      await a.call(service, 'leave', { [param]: names[0] });
      expect(await a.call(service, 'join', { [param]: names[TEST_MAX_SUBSCRIPTIONS] })).toBeDefined();
    });

    it('a channel, document or name whose JSON is over maxChannelSize is Invalid params', async () => {
      const a = await setup.member(0, { id: unique('ann') });
      const big = { text: 'x'.repeat(1100) };
      expect(await a.error('chat', 'join', { channel: big })).toBe('Invalid params');
      expect(await a.error('cursors', 'join', { document: big })).toBe('Invalid params');
      expect(await a.error('messaging', 'registerParticipant', { name: big })).toBe('Invalid params');
      expect(await a.call('chat', 'join', { channel: { text: 'x'.repeat(900) } })).toBeDefined();
    });
  });
}
