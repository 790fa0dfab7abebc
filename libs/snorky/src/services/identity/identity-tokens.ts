import { randomBytes } from 'crypto';
import type { Broker } from '../../broker/broker';

/** 24 bytes from the CSPRNG: 192 bits, 32 characters of base64url. */
const TOKEN_BYTES = 24;

/**
 * Identity tokens (PROTOCOL §7) kept as broker claims: in memory on one node, in Redis in a cluster,
 * so a token authorized through any node's backend is valid on every node. Unlike a DataSync token
 * it is read, not taken: a page presents it again after a reconnect, until its TTL runs out.
 */
export class IdentityTokens {
  constructor(
    private readonly broker: Broker,
    private readonly serviceName: string,
  ) {}

  async issue(identity: unknown, ttlSeconds: number): Promise<string> {
    const value = JSON.stringify(identity);
    for (;;) {
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      // NX: a collision (never seen with 192 bits) draws again instead of overwriting someone else's token.
      if (await this.broker.putClaim(this.key(token), value, Math.round(ttlSeconds * 1000))) return token;
    }
  }

  /** The identity `token` stands for; undefined when it is unknown or expired. */
  async identityOf(token: string): Promise<unknown> {
    const value = await this.broker.readClaim(this.key(token));
    return value === undefined ? undefined : JSON.parse(value);
  }

  private key(token: string): string {
    return `identity:${this.serviceName}:${token}`;
  }
}
