/**
 * The chaos benchmark's fault injector: runs a planned schedule (chaos-schedule.ts) against the
 * private stack. Each fault signals a real process — a worker (SIGKILL), the Temporal dev server
 * (SIGKILL, or SIGINT: a clean stop) or milvus-lite (SIGKILL: a crash, or SIGINT: a clean stop) —,
 * keeps the service down for the planned time, then starts it again on the same data with the
 * devstack's own `startTemporal`/`startMilvus` (which wait until it answers). Faults run one after
 * another: when a restart is slow, the next fault waits for it, and the log says when each one
 * really struck.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MemflowConfig } from '../../config/config';
import { errorMessage } from '../../contracts/errors';
import { MILVUS, startMilvus, stopMilvus } from '../../devstack/milvus-server';
import { readRecord } from '../../devstack/processes';
import { TEMPORAL, startTemporal, stopTemporal } from '../../devstack/temporal-server';
import type { FaultKind, PlannedFault } from './chaos-schedule';
import { FAULT_ACTIONS } from './chaos-schedule';
import type { WorkerPool } from './chaos-workers';

export interface FaultLog {
  index: number;
  kind: FaultKind;
  signal: NodeJS.Signals;
  pid?: number;
  victim?: number;
  /** Seconds since the start of the soak: planned, and when it really struck. */
  plannedAt: number;
  at: number;
  /** Planned downtime, and how long the service was really away (signal to answering again). */
  downtime: number;
  downFor?: number;
  /** How long the restart took, until the service answered. */
  restart?: number;
  /** How a clean stop went (`stopped`, or `killed` when it did not stop in time). */
  stop?: string;
  error?: string;
}

export interface FaultTarget {
  config: MemflowConfig;
  bins: { temporal: string; milvusLite: string };
  workers: WorkerPool;
  /** Seconds since the start of the soak. */
  clock: () => number;
  log: (line: string) => void;
  /** Called right before a process is signalled and right after its replacement answers. */
  onProcessChange?: () => void;
}

/** Whether `pid` has exited (a zombie counts as gone). */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function waitGone(pid: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!isGone(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} still runs ${timeoutMs / 1000} s after SIGKILL`);
    await sleep(50);
  }
}

/** SIGKILLs a service the devstack started, with its process group (it was started detached). */
async function killService(config: MemflowConfig, name: string): Promise<number> {
  const record = readRecord(config.paths.run, name);
  if (!record || isGone(record.pid)) throw new Error(`${name} is not running`);
  try {
    process.kill(-record.pid, 'SIGKILL');
  } catch {
    process.kill(record.pid, 'SIGKILL');
  }
  await waitGone(record.pid);
  return record.pid;
}

/** Starts a service again, three attempts 5 s apart (a port may be slow to free). */
async function restart(what: string, start: () => Promise<unknown>, log: (line: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      log(`${what} did not start (attempt ${attempt}): ${errorMessage(err)}; again in 5 s`);
      await sleep(5_000);
    }
  }
}

async function strike(fault: PlannedFault, target: FaultTarget, record: FaultLog): Promise<void> {
  const { config, bins, workers, log } = target;
  const { service, signal } = FAULT_ACTIONS[fault.kind];
  target.onProcessChange?.();
  const downAt = performance.now();
  if (service === 'worker') {
    record.victim = fault.victim;
    record.pid = await workers.kill(fault.victim);
    if (record.pid === undefined) {
      record.error = `worker ${fault.victim} was not running (restarting after an exit of its own)`;
      return;
    }
  } else if (signal === 'SIGKILL') {
    record.pid = await killService(config, service === 'temporal' ? TEMPORAL : MILVUS);
  } else {
    record.pid = readRecord(config.paths.run, service === 'temporal' ? TEMPORAL : MILVUS)?.pid;
    record.stop = await (service === 'temporal' ? stopTemporal(config) : stopMilvus(config));
  }
  const remaining = fault.downtimeMs - (performance.now() - downAt);
  if (remaining > 0) await sleep(remaining);
  const restartAt = performance.now();
  if (service === 'worker') await restart('worker', () => workers.start(fault.victim), log);
  else if (service === 'temporal') await restart('Temporal', () => startTemporal(config, bins.temporal), log);
  else await restart('Milvus', () => startMilvus(config, bins.milvusLite), log);
  const now = performance.now();
  record.restart = Math.round((now - restartAt) / 100) / 10;
  record.downFor = Math.round((now - downAt) / 100) / 10;
  target.onProcessChange?.();
}

/**
 * Runs the schedule from `startedAt` (performance.now() at the start of the soak). A restart that
 * fails three times ends the schedule (`stoppedBy`): nothing after it would be a fair test.
 */
export async function runFaults(
  schedule: PlannedFault[],
  target: FaultTarget,
  startedAt: number,
  signal?: AbortSignal,
): Promise<{ faults: FaultLog[]; stoppedBy?: string }> {
  const faults: FaultLog[] = [];
  for (const fault of schedule) {
    const wait = startedAt + fault.atMs - performance.now();
    if (wait > 0) await sleep(wait, undefined, signal ? { signal } : undefined);
    const record: FaultLog = {
      index: fault.index,
      kind: fault.kind,
      signal: FAULT_ACTIONS[fault.kind].signal,
      plannedAt: fault.atMs / 1000,
      at: Math.round(target.clock() * 10) / 10,
      downtime: fault.downtimeMs / 1000,
    };
    faults.push(record);
    try {
      await strike(fault, target, record);
      target.log(
        `+${record.at}s fault ${fault.index}/${schedule.length} ${fault.kind}: ${record.signal} pid ${record.pid ?? '-'}` +
          `${record.stop ? ` (${record.stop})` : ''}, away ${record.downFor ?? '-'} s (restart ${record.restart ?? '-'} s)` +
          `${record.error ? `: ${record.error}` : ''}`,
      );
    } catch (err) {
      record.error = errorMessage(err);
      const stoppedBy = `fault ${fault.index} (${fault.kind}): the service did not come back: ${record.error}`;
      target.log(`+${record.at}s ${stoppedBy}`);
      return { faults, stoppedBy };
    }
  }
  return { faults };
}
