import { createHash, timingSafeEqual } from 'crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The backend's `X-Backend-Key` check: the header must equal one of the configured keys (several, so
 * keys can be rotated). Compared as SHA-256 digests with timingSafeEqual, against every key, so neither
 * the key's content nor its length nor which key matched shows in the timing.
 */
export class ApiKeys {
  private readonly keys: Buffer[];

  constructor(keys: string[]) {
    this.keys = keys.map(digest);
  }

  get empty(): boolean {
    return this.keys.length === 0;
  }

  /** Why the header is refused, or undefined when it is one of the keys. */
  refusal(header: string | string[] | undefined): string | undefined {
    if (typeof header !== 'string' || header.length === 0) return 'Missing X-Backend-Key';
    return this.matches(header) ? undefined : 'Wrong X-Backend-Key';
  }

  /** Whether `given` is one of the keys (also the admin page's HTTP Basic password). */
  matches(given: string): boolean {
    const digested = digest(given);
    let match = false;
    for (const key of this.keys) match = timingSafeEqual(digested, key) || match;
    return match;
  }
}
