/** Serializes turns inside the workflow (deterministic: plain promise chaining). */
export class TurnLock {
  private tail: Promise<unknown> = Promise.resolve();
  private running = 0;

  get idle(): boolean {
    return this.running === 0;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.running += 1;
    const result = this.tail.then(task, task).finally(() => {
      this.running -= 1;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
