import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../config/config';

/** Backoff between restarts: doubling from 1 s to 30 s, back to 1 s once a worker has run a minute. */
export const RESTART_BACKOFF = { firstMs: 1_000, maxMs: 30_000, healthyAfterMs: 60_000 } as const;

/** The next wait after a crash, given the last wait and how long the worker ran. */
export function nextBackoffMs(lastMs: number | undefined, ranMs: number): number {
  if (lastMs === undefined || ranMs >= RESTART_BACKOFF.healthyAfterMs) return RESTART_BACKOFF.firstMs;
  return Math.min(lastMs * 2, RESTART_BACKOFF.maxMs);
}

/**
 * `memflow worker --supervised`, what `memflow stack up` runs: the worker as a child process,
 * restarted after a crash with backoff and a log line, as an orchestrator (systemd, Kubernetes)
 * would in production. SIGTERM or SIGINT stop the worker gracefully and end the supervisor; a
 * worker that exits 0 on its own is not restarted.
 */
export async function superviseWorker(log: (line: string) => void = (l) => console.log(l)): Promise<void> {
  let child: ChildProcess | undefined;
  let stopping = false;
  let backoff: number | undefined;
  let restarts = 0;
  let wake = () => undefined as void;
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    log(`[supervisor] ${signal}: stopping the worker`);
    child?.kill('SIGTERM');
    wake();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  while (!stopping) {
    const startedAt = Date.now();
    child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'memflow.js'), 'worker'], {
      cwd: REPO_ROOT,
      env: process.env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    log(`[supervisor] worker started, pid ${child.pid}${restarts > 0 ? ` (restart #${restarts})` : ''}`);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child!.once('exit', (c, s) => resolve([c, s])),
    );
    if (stopping || code === 0) break;
    backoff = nextBackoffMs(backoff, Date.now() - startedAt);
    restarts += 1;
    log(`[supervisor] worker pid ${child.pid} exited (${signal ?? `code ${code}`}); restarting in ${backoff / 1000} s`);
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, backoff);
    });
  }
  log('[supervisor] stopped');
}
