import { Injectable } from '@nestjs/common';
import { SnorkyRegistries } from '../../registry/snorky-registries';
import { DataSyncService } from './datasync.service';

export interface DeltaInput {
  type: 'insert' | 'update' | 'delete';
  model: string;
  data?: unknown;
  newData?: unknown;
  oldData?: unknown;
}

export interface SubscriptionItemInput {
  dealer: string;
  query: unknown;
}

/**
 * DataSync for a Nest app that hosts Snorky itself: authorize subscriptions and publish deltas
 * in-process, with the same rules (and errors) as the backend endpoint, without HTTP.
 *
 *   const token = this.datasync.authorizeSubscription([{ dealer: 'TasksByOwner', query: userId }]);
 *   const tasks = await this.tasks.findBy({ owner: userId });   // query AFTER authorizing
 *   return { token, tasks };
 */
@Injectable()
export class DataSyncPublisher {
  constructor(private readonly registries: SnorkyRegistries) {}

  /** The DataSync (frontend) service named `name`, default 'datasync'. */
  service(name = 'datasync'): DataSyncService {
    const service = this.registries.frontend.get(name);
    if (!(service instanceof DataSyncService)) {
      throw new Error(`no DataSync service named "${name}" (is DataSyncService among the providers?)`);
    }
    return service;
  }

  /** Returns a token; deltas published from now on are kept for it until it is acquired. */
  authorizeSubscription(items: SubscriptionItemInput[], service?: string): string {
    return this.service(service).authorizeSubscription(items);
  }

  /**
   * Validates the whole batch (throws DataSyncError on a bad delta, delivering nothing), then routes it.
   * With `batchId`, a batch already published under that id (within the dedup window) is not
   * delivered again and this resolves false.
   */
  publishDeltas(deltas: DeltaInput[], service?: string, batchId?: string): Promise<boolean> {
    return this.service(service).publishDeltas(deltas, batchId);
  }
}
