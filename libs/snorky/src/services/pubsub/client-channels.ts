/**
 * Which channels (canonical keys) each client holds. Most clients hold one channel, so that one is
 * kept as a bare string and a Set is made only for a second: an idle subscriber costs a map entry,
 * not a Set (bench:connections).
 */
export class ClientChannels<C> {
  private readonly byClient = new Map<C, string | Set<string>>();
  /** (client, channel) pairs held. */
  size = 0;

  has(client: C, key: string): boolean {
    const held = this.byClient.get(client);
    return held !== undefined && (typeof held === 'string' ? held === key : held.has(key));
  }

  /** How many channels the client holds. */
  count(client: C): number {
    const held = this.byClient.get(client);
    return held === undefined ? 0 : typeof held === 'string' ? 1 : held.size;
  }

  /** false if the client already holds the channel. */
  add(client: C, key: string): boolean {
    const held = this.byClient.get(client);
    if (held === undefined) this.byClient.set(client, key);
    else if (typeof held === 'string') {
      if (held === key) return false;
      this.byClient.set(client, new Set([held, key]));
    } else {
      if (held.has(key)) return false;
      held.add(key);
    }
    this.size++;
    return true;
  }

  /** false if the client did not hold the channel. */
  delete(client: C, key: string): boolean {
    const held = this.byClient.get(client);
    if (held === undefined) return false;
    if (typeof held === 'string') {
      if (held !== key) return false;
      this.byClient.delete(client);
    } else {
      if (!held.delete(key)) return false;
      if (held.size === 0) this.byClient.delete(client);
    }
    this.size--;
    return true;
  }

  /** Removes and returns every channel the client holds. */
  take(client: C): string[] {
    const held = this.byClient.get(client);
    if (held === undefined) return [];
    this.byClient.delete(client);
    const keys = typeof held === 'string' ? [held] : [...held];
    this.size -= keys.length;
    return keys;
  }
}
