import { Inject, Optional } from '@nestjs/common';
import { RpcCommand } from '../../rpc/rpc-command.decorator';
import { RpcService } from '../../rpc/rpc.service';
import { SnorkyService } from '../../rpc/snorky-service.decorator';
import { AuthorizeSubscriptionParams, PublishDeltasParams } from './datasync.params';
import { DataSyncService } from './datasync.service';

export const DATASYNC_BACKEND_OPTIONS = Symbol('DATASYNC_BACKEND_OPTIONS');

/**
 * The backend DataSync service (PROTOCOL.md §4), reachable only on the backend HTTP endpoint:
 * the web application authorizes subscriptions and publishes deltas here.
 * For another DataSync service, subclass it with its own `@SnorkyService` name and inject that
 * service (as PubSubBackend is subclassed for a second pub/sub).
 */
@SnorkyService('datasync_backend', { registry: 'backend' })
export class DataSyncBackend extends RpcService {
  constructor(
    readonly datasync: DataSyncService,
    @Optional() @Inject(DATASYNC_BACKEND_OPTIONS) options: { name?: string } = {},
  ) {
    super();
    if (options.name) this.name = options.name;
  }

  @RpcCommand()
  authorizeSubscription({ items }: AuthorizeSubscriptionParams): Promise<string> {
    // In a cluster the reply waits until the token can be acquired on any node.
    return this.datasync.authorizeSubscriptionShared(items);
  }

  @RpcCommand()
  async publishDeltas({ deltas, batchId }: PublishDeltasParams): Promise<null> {
    // A duplicate batch id is answered like the first publication: the retry's work is done.
    await this.datasync.publishDeltas(deltas, batchId);
    return null;
  }
}
