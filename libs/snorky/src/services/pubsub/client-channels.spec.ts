import { ClientChannels } from './client-channels';

describe('ClientChannels', () => {
  it('holds one channel as a string, more in a set, and counts every (client, channel) pair', () => {
    const channels = new ClientChannels<string>();
    expect(channels.add('a', 'x')).toBe(true);
    expect(channels.add('a', 'x')).toBe(false);
    expect(channels.add('a', 'y')).toBe(true);
    expect(channels.add('a', 'y')).toBe(false);
    expect(channels.add('b', 'x')).toBe(true);
    expect(channels.size).toBe(3);
    expect(channels.delete('a', 'z')).toBe(false);
    expect(channels.delete('a', 'x')).toBe(true);
    expect(channels.delete('a', 'x')).toBe(false);
    expect(channels.size).toBe(2);
    expect(channels.take('a')).toEqual(['y']);
    expect(channels.take('a')).toEqual([]);
    expect(channels.delete('b', 'y')).toBe(false);
    expect(channels.take('b')).toEqual(['x']);
    expect(channels.size).toBe(0);
  });

  it('goes back from a set to none when its channels are deleted one by one', () => {
    const channels = new ClientChannels<string>();
    channels.add('a', 'x');
    channels.add('a', 'y');
    channels.delete('a', 'x');
    channels.delete('a', 'y');
    expect(channels.size).toBe(0);
    expect(channels.add('a', 'x')).toBe(true);
    expect(channels.take('a')).toEqual(['x']);
  });
});
