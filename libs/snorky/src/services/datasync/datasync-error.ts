import { RpcError } from '../../rpc/rpc-error';

/**
 * A refusal whose message is the RPC error text sent to the caller (PROTOCOL.md §4).
 * An RpcError, so a command that lets it through answers with exactly that text.
 */
export class DataSyncError extends RpcError {
  constructor(message: string) {
    super(message);
    this.name = 'DataSyncError';
  }
}

/** Error texts of PROTOCOL.md §4 — clients match on them. */
export const DataSyncErrorText = {
  tokenMustBeString: 'token must be string',
  noSuchSubscription: 'No such subscription',
  dealerName: 'dealer should be a dealer name',
  noSuchDealer: 'No such dealer',
  invalidDeltaType: 'Invalid delta type',
  modelMustBeString: 'model must be string',
  /** A parameter of the wrong shape (not a list, an item that is not an object), as in §2. */
  invalidParams: 'Invalid params',
  missingField: (name: string) => `Missing field '${name}'`,
  /** publishDeltas' optional batch id (an addition, docs/protocol-notes.md). */
  batchIdMustBeString: 'batchId must be a string of 1 to 128 characters',
  /** resumeSubscription (an addition): the client refetches and acquires a new token. */
  cannotResume: 'Cannot resume subscription',
} as const;
