import type { Broker } from '../broker/broker';

/**
 * Notifications whose recipients depend on more than a topic (Chat's "the other members", Cursors'
 * "everyone in the document but the author"): each node picks its own local recipients from the
 * payload and encodes the frame once for them. The origin node delivers at once (so the caller's own
 * copy arrives before the reply); other nodes get the payload through a broker broadcast.
 */
export class NodeFanout<P> {
  private readonly channel: string;

  constructor(
    private readonly broker: Broker,
    private readonly nodeId: string,
    serviceName: string,
    private readonly deliver: (payload: P) => void,
  ) {
    this.channel = `fanout:${serviceName}`;
    if (broker.clustered) {
      broker.onBroadcast(this.channel, (message) => {
        const { origin, payload } = message as { origin: string; payload: P };
        if (origin !== nodeId) deliver(payload);
      });
    }
  }

  async send(payload: P): Promise<void> {
    this.deliver(payload);
    if (this.broker.clustered) await this.broker.broadcast(this.channel, { origin: this.nodeId, payload });
  }
}
