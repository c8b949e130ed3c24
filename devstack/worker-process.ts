import fs from 'node:fs';
import path from 'node:path';
import type { MemflowConfig } from '../config/config';
import { REPO_ROOT } from '../config/config';
import type { ProcessRecord } from './processes';
import { MemflowError } from '../contracts/errors';
import { WORKER_READY_LINE } from '../contracts/worker-ready';
import { isProcessAlive, sleep, startDetached, stopProcess, tailFile } from './processes';

export const WORKER = 'worker';

/**
 * The environment `memflow worker` is started with by `memflow stack up` (and by the memory
 * benchmark): `env` plus two memory settings (bench/README.md, memory) unless `env` sets them
 * itself. glibc keeps freed ONNX Runtime buffers unless told to trim (`MALLOC_TRIM_THRESHOLD_`).
 * V8 sizes its heaps from the machine's memory and keeps the pages the turns' garbage grew:
 * `heapMiB` (`WORKER_HEAP_MIB`; 0 leaves Node's default) becomes `--max-old-space-size` in
 * NODE_OPTIONS, for every isolate of the worker (main, workflow and embedding threads).
 */
export function workerProcessEnv(env: NodeJS.ProcessEnv, heapMiB: number): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { MALLOC_TRIM_THRESHOLD_: '1048576', ...env };
  const nodeOptions = merged.NODE_OPTIONS ?? '';
  if (heapMiB > 0 && !/--max-old-space-size\b/.test(nodeOptions)) {
    merged.NODE_OPTIONS = `${nodeOptions} --max-old-space-size=${heapMiB}`.trim();
  }
  return merged;
}

/**
 * Starts `memflow worker --supervised` in the background (replacing a running one so code changes
 * take effect): a supervisor that restarts the worker after a crash (devstack/worker-supervisor.ts).
 * The worker inherits this process's environment, so it sees the same configuration, with the
 * memory settings of `workerProcessEnv`.
 */
export async function restartWorker(config: MemflowConfig): Promise<ProcessRecord> {
  await stopWorker(config);
  return startDetached({
    name: WORKER,
    command: process.execPath,
    args: [path.join(REPO_ROOT, 'bin', 'memflow.js'), 'worker', '--supervised'],
    runDir: config.paths.run,
    logDir: config.paths.logs,
    cwd: REPO_ROOT,
    env: workerProcessEnv(process.env, config.worker.heapMiB),
  });
}

/** Waits until the worker logs that it polls, failing fast (with its log) if it exits first. */
export async function waitForWorker(record: ProcessRecord, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(record.pid)) {
      throw new MemflowError(
        'SERVICE_UNHEALTHY',
        `The worker exited during start-up. Its log:\n${tailFile(record.logFile, 25)}`,
      );
    }
    if (readLogSince(record).includes(WORKER_READY_LINE)) return;
    await sleep(200);
  }
  throw new MemflowError(
    'SERVICE_UNHEALTHY',
    `The worker did not start polling within ${timeoutMs / 1000}s. Its log:\n${tailFile(record.logFile, 25)}`,
  );
}

function readLogSince(record: ProcessRecord): string {
  try {
    // startDetached writes a `--- <time> starting …` marker before each start: read after the last one.
    const log = fs.readFileSync(record.logFile, 'utf8');
    return log.slice(Math.max(0, log.lastIndexOf('\n--- ')));
  } catch {
    return '';
  }
}

/** SIGTERM: the worker stops polling, finishes in-flight tasks within its grace time, then exits. */
export function stopWorker(config: MemflowConfig) {
  return stopProcess(config.paths.run, WORKER, 'SIGTERM', 30_000);
}
