/**
 * A worker in a child process of its own, so its memory can be read alone from /proc: the product's
 * `memflow worker` (bin/memflow.js), or a bench-only entry loaded the same way (tsx's CommonJS hook).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../config/config';
import { WORKER_READY_LINE } from '../../contracts/worker-ready';

export interface WorkerChild {
  child: ChildProcess;
  pid: number;
  /** The last few kilobytes the worker printed (for error messages). */
  output(): string;
  /** SIGTERM (the SDK drains), SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns `entry` (a .js or .ts file under the repository) and resolves once it polls. */
export async function spawnWorkerChild(
  entry: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 90_000,
): Promise<WorkerChild> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(REPO_ROOT, entry), 'worker'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => void (output = (output + d.toString()).slice(-8_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start within ${timeoutMs / 1000}s:\n${output}`)),
      timeoutMs,
    );
    const onData = () => {
      if (!output.includes(WORKER_READY_LINE)) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve();
    };
    child.stdout!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${child.exitCode ?? child.signalCode}:\n${output}`));
    });
  });
  return {
    child,
    pid: child.pid!,
    output: () => output,
    async stop(graceMs = 25_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** VmRSS and VmHWM (peak RSS) of a process in MiB, from /proc/<pid>/status; undefined when gone. */
export function rssMiB(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rss: Math.round(kib('VmRSS') / 102.4) / 10, peak: Math.round(kib('VmHWM') / 102.4) / 10 };
  } catch {
    return undefined;
  }
}
