/** Thrown by a command to answer the client with an `error` reply carrying exactly `message`. */
export class RpcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RpcError';
  }
}
