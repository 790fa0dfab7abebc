import { encodeEnvelope } from '../../protocol/envelope';
import { withPosition } from './message-position';
import { keptAfter, ResumingSubscribers } from './resuming-subscribers';

describe('withPosition', () => {
  it("adds the position as the message's last key, leaving the rest of the frame as encoded", () => {
    const frame = encodeEnvelope('pubsub', { type: 'message', channel: { room: '}}' }, message: ['}}', { a: null }] });
    const spliced = withPosition(frame, { epoch: 'e"1', seq: 42 });
    expect(JSON.parse(spliced)).toEqual({
      service: 'pubsub',
      message: { type: 'message', channel: { room: '}}' }, message: ['}}', { a: null }], position: { epoch: 'e"1', seq: 42 } },
    });
    expect(spliced.startsWith(frame.slice(0, -2))).toBe(true);
  });
});

describe('ResumingSubscribers', () => {
  const at = (seq: number, epoch = 'e') => ({ epoch, seq });

  it('keeps live frames only for the subscriptions of their topic being caught up, building the frame once', () => {
    const resuming = new ResumingSubscribers<string>();
    const a = resuming.start('t', 'alice');
    const b = resuming.start('t', 'bob');
    const other = resuming.start('u', 'alice');
    let built = 0;
    resuming.keep('t', at(5), () => `f${++built}`);
    resuming.keep('v', at(6), () => `g${++built}`);
    expect(built).toBe(1);
    expect(a.kept).toEqual([{ position: at(5), frame: 'f1' }]);
    expect(b.kept).toEqual(a.kept);
    expect(other.kept).toEqual([]);
    resuming.end('t', 'alice', a);
    resuming.keep('t', at(7), () => 'h');
    expect(a.kept).toHaveLength(1);
    expect(b.kept).toHaveLength(2);
  });

  it('a subscription resumed again (unsubscribe, subscribe) while the first read back replaces the first hold', () => {
    const resuming = new ResumingSubscribers<string>();
    const first = resuming.start('t', 'alice');
    const second = resuming.start('t', 'alice');
    expect(resuming.holds('t', 'alice', first)).toBe(false);
    resuming.end('t', 'alice', first);
    expect(resuming.holds('t', 'alice', second)).toBe(true);
    resuming.keep('t', at(1), () => 'f');
    expect(second.kept).toHaveLength(1);
    resuming.end('t', 'alice', second);
    expect(resuming.holds('t', 'alice', second)).toBe(false);
  });

  it('marks every subscription being caught up lost on a journal gap', () => {
    const resuming = new ResumingSubscribers<string>();
    const a = resuming.start('t', 'alice');
    const b = resuming.start('u', 'bob');
    resuming.markAllLost();
    expect([a.lost, b.lost]).toEqual([true, true]);
    expect(resuming.start('t', 'carol').lost).toBe(false);
  });

  it('sends after the read-back only the kept frames it did not cover; another epoch is after it', () => {
    const hold = { lost: false, kept: [at(4), at(5), at(6), at(1, 'f')].map((position) => ({ position, frame: `${position.epoch}${position.seq}` })) };
    expect(keptAfter(hold, at(5))).toEqual(['e6', 'f1']);
    expect(keptAfter(hold, at(3))).toEqual(['e4', 'e5', 'e6', 'f1']);
  });
});
