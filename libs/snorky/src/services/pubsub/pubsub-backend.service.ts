import { Inject, Optional } from '@nestjs/common';
import { RpcCommand } from '../../rpc/rpc-command.decorator';
import { RpcService } from '../../rpc/rpc.service';
import { SnorkyService } from '../../rpc/snorky-service.decorator';
import { PublishParams } from './pubsub.params';
import { PubSubService } from './pubsub.service';

export const PUBSUB_BACKEND_OPTIONS = Symbol('PUBSUB_BACKEND_OPTIONS');

/** Backend side of a pub/sub (PROTOCOL §3): publishing is always allowed here. */
@SnorkyService('pubsub_backend', { registry: 'backend' })
export class PubSubBackend extends RpcService {
  constructor(
    private readonly pubsub: PubSubService,
    @Optional() @Inject(PUBSUB_BACKEND_OPTIONS) options: { name?: string } = {},
  ) {
    super();
    if (options.name) this.name = options.name;
  }

  @RpcCommand()
  async publish({ channel, message }: PublishParams): Promise<void> {
    await this.pubsub.publishToChannel(channel, message);
  }
}
