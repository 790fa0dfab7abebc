import { isJournalPosition } from './journal-position.decorator';

describe('isJournalPosition', () => {
  it('takes exactly {epoch: non-empty string, seq: integer ≥ 0}', () => {
    expect(isJournalPosition({ epoch: 'e', seq: 0 })).toBe(true);
    expect(isJournalPosition(JSON.parse('{"seq": 12, "epoch": "abc"}'))).toBe(true);
  });

  it.each([
    ['null', null],
    ['an array', ['e', 1]],
    ['a string', 'e:1'],
    ['no seq', { epoch: 'e' }],
    ['an empty epoch', { epoch: '', seq: 1 }],
    ['a numeric epoch', { epoch: 1, seq: 1 }],
    ['a too long epoch', { epoch: 'x'.repeat(65), seq: 1 }],
    ['a negative seq', { epoch: 'e', seq: -1 }],
    ['a fractional seq', { epoch: 'e', seq: 1.5 }],
    ['a string seq', { epoch: 'e', seq: '1' }],
    ['an unsafe seq', { epoch: 'e', seq: 2 ** 53 }],
    ['an extra key', { epoch: 'e', seq: 1, x: 1 }],
    ['a __proto__ key (JSON is data)', JSON.parse('{"epoch": "e", "seq": 1, "__proto__": {"x": 1}}')],
    ['an epoch only inherited', Object.assign(Object.create({ epoch: 'e' }), { seq: 1, other: 2 })],
  ])('refuses %s', (_what, value) => {
    expect(isJournalPosition(value)).toBe(false);
  });
});
