/**
 * Runs the forward passes of embedding requests one at a time (one model session), interactive
 * requests first. A chat turn's query embedding (interactive) arriving while an ingestion batch
 * (bulk) is being embedded waits only for the pass in flight, not for the rest of the batch; bulk
 * passes resume after it. Within a priority, requests run in arrival order.
 */
export type EmbedPriority = 'interactive' | 'bulk';

interface Request {
  steps: (() => Promise<unknown>)[];
  results: unknown[];
  resolve(results: unknown[]): void;
  reject(err: unknown): void;
}

export class PriorityRunner {
  private readonly queues: Record<EmbedPriority, Request[]> = { interactive: [], bulk: [] };
  private running = false;
  private stopped?: Error;
  /** Settles when the step in flight, if any, has finished. */
  private idle: Promise<void> = Promise.resolve();

  /** Runs `steps` in order, interleaved with other requests' steps by priority; resolves with their results. */
  run<T>(priority: EmbedPriority, steps: (() => Promise<T>)[]): Promise<T[]> {
    if (this.stopped) return Promise.reject(this.stopped);
    if (steps.length === 0) return Promise.resolve([]);
    return new Promise<T[]>((resolve, reject) => {
      this.queues[priority].push({
        steps: [...steps],
        results: [],
        resolve: resolve as (results: unknown[]) => void,
        reject,
      });
      if (!this.running) void this.drain();
    });
  }

  /** Rejects everything queued with `err` (the step in flight finishes); later calls reject too. */
  stop(err: Error): Promise<void> {
    this.stopped = err;
    for (const queue of Object.values(this.queues)) {
      for (const request of queue.splice(0)) request.reject(err);
    }
    return this.idle;
  }

  private async drain(): Promise<void> {
    this.running = true;
    let done!: () => void;
    this.idle = new Promise((resolve) => (done = resolve));
    try {
      for (;;) {
        // Let messages that arrived during the last pass (a query) queue before choosing the next step.
        await new Promise((resolve) => setImmediate(resolve));
        const queue = this.queues.interactive.length > 0 ? this.queues.interactive : this.queues.bulk;
        const request = queue[0];
        if (!request) break;
        const step = request.steps.shift()!;
        const finish = (settle: () => void) => {
          const at = queue.indexOf(request);
          if (at >= 0) queue.splice(at, 1); // stop() may have emptied the queue meanwhile
          settle();
        };
        try {
          request.results.push(await step());
        } catch (err) {
          finish(() => request.reject(err));
          continue;
        }
        if (request.steps.length === 0) finish(() => request.resolve(request.results));
      }
    } finally {
      this.running = false;
      done();
    }
  }
}
