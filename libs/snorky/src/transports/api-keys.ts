import { createHash, timingSafeEqual } from 'crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The configured backend keys (several, so keys can be rotated). Compared as SHA-256 digests with
 * timingSafeEqual, against every key, so neither the key's content nor its length nor which key
 * matched shows in the timing.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get empty(): boolean {
    return this.digests.length === 0;
  }

  matches(given: string): boolean {
    const candidate = digest(given);
    let match = false;
    for (const key of this.digests) match = timingSafeEqual(candidate, key) || match;
    return match;
  }
}
