import { RpcCallError } from './errors';

export interface RestoreOutcome<T> {
  restored: T[];
  failed: { item: T; error: Error }[];
}

/**
 * After a reconnect, a connector redoes one request per thing it held (a channel, a name, a document).
 * Runs them all; `refused` is called for a server refusal (an `RpcCallError`: drop the thing), while a
 * connection lost again keeps it for the next restore. Resolves with what was restored and what failed.
 */
export function restoreEach<T>(items: T[], attempt: (item: T) => Promise<unknown>, refused: (item: T, error: RpcCallError) => void): Promise<RestoreOutcome<T>> {
  const outcome: RestoreOutcome<T> = { restored: [], failed: [] };
  return Promise.all(
    items.map((item) =>
      attempt(item).then(
        () => {
          outcome.restored.push(item);
        },
        (error: Error) => {
          if (error instanceof RpcCallError) refused(item, error);
          outcome.failed.push({ item, error });
        },
      ),
    ),
  ).then(() => outcome);
}
