/**
 * Runs tasks one at a time, in call order. Writes go through it so that deltas are published in
 * the order their transactions committed (a client applying them ends in the database's state),
 * and so that SQLite's single connection never sees two transactions at once.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // The next task waits for this one whatever its outcome.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
