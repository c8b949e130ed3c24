/**
 * Runs tasks one at a time in arrival order. milvus-lite's WAL has been corrupted by concurrent
 * writes, so every write through one store goes through one queue.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
