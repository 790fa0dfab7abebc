import { IsJsonValue, RpcCommand, RpcRequest, RpcService, SnorkyService, Client, encodeEnvelope } from '@snorky/nest';

export class MessageParams {
  @IsJsonValue()
  message: unknown;
}

const TOPIC = 'minimal-pubsub';

/**
 * Seed guide, "Sending notifications": anyone may publish to every subscriber, itself included.
 * The Nest way: subscribers are a broker topic, so the frame is serialized once and the service
 * works unchanged on a cluster.
 */
@SnorkyService('minimal_pubsub')
export class MinimalPubSubService extends RpcService {
  @RpcCommand()
  subscribe(req: RpcRequest): void {
    this.broker.subscribe(TOPIC, req.client);
  }

  @RpcCommand()
  unsubscribe(req: RpcRequest): void {
    this.broker.unsubscribe(TOPIC, req.client);
  }

  override clientDisconnected(client: Client): void {
    this.broker.unsubscribe(TOPIC, client);
  }

  @RpcCommand()
  async publish({ message }: MessageParams): Promise<void> {
    await this.broker.publish(TOPIC, encodeEnvelope(this.name, { type: 'publication', message }));
  }
}
