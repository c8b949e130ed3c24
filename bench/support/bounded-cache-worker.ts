/**
 * Bench-only entry: the product's `memflow worker` (workers/worker.ts, unchanged) with one Worker
 * option overridden, `maxCachedWorkflows` from BENCH_MAX_CACHED_WORKFLOWS. `createWorker` does not
 * expose it, so `Worker.create` is wrapped here rather than copying the worker's construction,
 * which would drift from the product's. Used by bench/memory.ts `--max-cached W`.
 *
 * Usage: BENCH_MAX_CACHED_WORKFLOWS=100 node --import tsx bench/support/bounded-cache-worker.ts
 */
import { Worker } from '@temporalio/worker';
import { run } from '../../workers/worker';

const maxCachedWorkflows = Number(process.env.BENCH_MAX_CACHED_WORKFLOWS);
if (!Number.isInteger(maxCachedWorkflows) || maxCachedWorkflows < 0) {
  console.error('BENCH_MAX_CACHED_WORKFLOWS must be an integer ≥ 0.');
  process.exit(2);
}

const create = Worker.create.bind(Worker);
Worker.create = (options) => create({ ...options, maxCachedWorkflows });

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
