/**
 * The chaos benchmark's workers: real `memflow worker` processes (bin/memflow.js), so a fault can
 * SIGKILL one the way a crash or an OOM kill would. Each worker appends what it prints to
 * `<home>/logs/chaos-worker-<i>.log`. A worker that exits without being killed by the injector is
 * restarted after 1 s, as `memflow worker --supervised` or an orchestrator would, and counted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../../contracts/errors';
import type { WorkerChild } from './worker-child';
import { spawnWorkerChild } from './worker-child';

export interface UnplannedExit {
  worker: number;
  pid: number;
  /** Seconds since the start of the soak. */
  at: number;
  exit: string;
}

export interface WorkerPool {
  /** Pids of the workers running now. */
  pids(): number[];
  /** SIGKILLs worker `index` and waits for it to be gone; returns its pid. */
  kill(index: number): Promise<number | undefined>;
  /** Starts worker `index` again; resolves once it polls. */
  start(index: number): Promise<number>;
  unplannedExits: UnplannedExit[];
  /** SIGTERM to every worker (they drain), SIGKILL after the grace time. */
  stopAll(): Promise<void>;
}

export async function startWorkerPool(
  count: number,
  env: NodeJS.ProcessEnv,
  options: { logDir: string; clock: () => number; log: (line: string) => void },
): Promise<WorkerPool> {
  const workers: (WorkerChild | undefined)[] = Array.from({ length: count }, () => undefined);
  const killing = new Set<number>();
  const unplannedExits: UnplannedExit[] = [];
  let stopping = false;
  fs.mkdirSync(options.logDir, { recursive: true });

  const start = async (index: number): Promise<number> => {
    const logFile = path.join(options.logDir, `chaos-worker-${index}.log`);
    const worker = await spawnWorkerChild('bin/memflow.js', env);
    fs.appendFileSync(logFile, `--- +${options.clock().toFixed(1)}s pid ${worker.pid}\n${worker.output()}`);
    const append = (d: Buffer) => fs.appendFileSync(logFile, d);
    worker.child.stdout!.on('data', append);
    worker.child.stderr!.on('data', append);
    workers[index] = worker;
    worker.child.once('exit', (code, signal) => {
      if (killing.has(worker.pid) || stopping) return;
      const exit = signal ?? `code ${code}`;
      unplannedExits.push({ worker: index, pid: worker.pid, at: options.clock(), exit });
      options.log(`worker ${index} (pid ${worker.pid}) exited by itself (${exit}); restarting it in 1 s`);
      void sleep(1_000)
        .then(() => (stopping || workers[index] !== worker ? undefined : start(index)))
        .catch((err: unknown) => options.log(`worker ${index} did not restart: ${errorMessage(err)}`));
    });
    return worker.pid;
  };

  for (let i = 0; i < count; i++) await start(i);
  return {
    unplannedExits,
    pids: () => workers.flatMap((w) => (w && w.child.exitCode === null && w.child.signalCode === null ? [w.pid] : [])),
    async kill(index) {
      const worker = workers[index];
      if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) return undefined;
      killing.add(worker.pid);
      const gone = new Promise((resolve) => worker.child.once('exit', resolve));
      worker.child.kill('SIGKILL');
      await gone;
      return worker.pid;
    },
    start,
    async stopAll() {
      stopping = true;
      await Promise.all(workers.map((w) => w?.stop()));
    },
  };
}
