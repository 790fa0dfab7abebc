import type { Provider } from '@nestjs/common';
import { BroadcastDealer, DataSyncBackend, DataSyncService, Dealer, SimpleDealer } from '@snorky/nest';
import { backendCall } from '../../support/snorky-app';

/** Every Todo. */
@Dealer()
export class AllTodos extends BroadcastDealer {
  model = 'Todo';
}

/** One Todo, by id (a detail view). */
@Dealer()
export class TodoById extends SimpleDealer {
  model = 'Todo';
  key = 'id';
}

export const DATASYNC_PROVIDERS: Provider[] = [DataSyncService, DataSyncBackend, AllTodos, TodoById];

/** The web backend's side, through the real backend endpoint. */
export function datasyncBackend(backendUrl: string) {
  return {
    async authorize(items: { dealer: string; query: unknown }[]): Promise<string> {
      const reply = await backendCall(backendUrl, 'datasync_backend', 'authorizeSubscription', { items });
      if (reply.type !== 'response') throw new Error(`authorizeSubscription failed: ${JSON.stringify(reply)}`);
      return reply.data;
    },
    async publish(...deltas: unknown[]): Promise<void> {
      const reply = await backendCall(backendUrl, 'datasync_backend', 'publishDeltas', { deltas });
      if (reply.type !== 'response') throw new Error(`publishDeltas failed: ${JSON.stringify(reply)}`);
    },
  };
}
