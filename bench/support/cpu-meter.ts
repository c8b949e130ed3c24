/**
 * CPU time during a timed region, from /proc (Linux): what this benchmark's own processes used
 * (this process with its in-process worker and embedders, plus the private Temporal and Milvus, and
 * the PostgreSQL server processes serving its own database: a turn's lexical leg runs there), and
 * what every other process on the machine used meanwhile. On a shared machine the second
 * number says how far wall-clock throughput can be trusted; the first does not depend on it much.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export interface CpuUse {
  /** CPU seconds of the measured processes. */
  ownSeconds: number;
  /** CPU seconds of everything else on the machine (other databases' PostgreSQL, other jobs, the kernel). */
  otherSeconds: number;
  /** `otherSeconds` as a share of all the CPU the machine had in that time (0–1). */
  otherShare: number;
}

export interface CpuMeter {
  /**
   * Stops the meter: CPU used since it started, or undefined where /proc is missing.
   * `childSeconds`: CPU of the benchmark's own child processes that ran and exited meanwhile (they
   * are gone from /proc by now): counted as its own, not as other processes'.
   */
  stop(childSeconds?: number): CpuUse | undefined;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Busy CPU seconds of the whole machine since boot (all cores; idle and iowait excluded). */
function machineBusySeconds(): number | undefined {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return (user + nice + system + irq + softirq + steal) / clockTicks();
  } catch {
    return undefined;
  }
}

/** utime + stime of one process, all its threads; 0 when it is gone. */
function processSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return 0;
  }
}

/** Databases whose PostgreSQL server processes count as the benchmark's own (`countDatabaseAsOwn`). */
const ownDatabases = new Set<string>();

/**
 * From now on, the PostgreSQL server processes serving `database` count as the benchmark's own in
 * every meter (a private stack's database: its queries are the product's work). Undo with the
 * returned function.
 */
export function countDatabaseAsOwn(database: string): () => void {
  ownDatabases.add(database);
  return () => void ownDatabases.delete(database);
}

/**
 * The server processes (backends) connected to one of `databases`, found by their process title
 * (`postgres: <cluster>: <user> <database> <client> <state>`, PostgreSQL's default on Linux).
 */
export function postgresBackends(databases: ReadonlySet<string>): number[] {
  if (databases.size === 0) return [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    let title: string;
    try {
      title = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0+$/, '');
    } catch {
      continue; // gone meanwhile
    }
    if (!title.startsWith('postgres: ')) continue;
    // After "postgres:" and the cluster name (when the title has one, it ends with ':'): user, database.
    const [, second, third, fourth] = title.split(' ');
    const database = second?.endsWith(':') ? fourth : third;
    if (database !== undefined && databases.has(database)) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Starts measuring; `pids` are the processes counted as the benchmark's own, with the server
 * processes of its own databases (`countDatabaseAsOwn`): those found at the start by their CPU since,
 * those that connected meanwhile by all of theirs. A backend that disconnects before the end takes
 * its CPU in the window with it (counted as other processes').
 */
export function startCpuMeter(pids: number[]): CpuMeter {
  const started = performance.now();
  const busy = machineBusySeconds();
  const own = pids.map(processSeconds);
  const databases = new Set(ownDatabases);
  const backendsAtStart = new Map(
    postgresBackends(databases)
      .filter((pid) => !pids.includes(pid))
      .map((pid) => [pid, processSeconds(pid)]),
  );
  return {
    stop(childSeconds = 0) {
      const busyNow = machineBusySeconds();
      if (busy === undefined || busyNow === undefined) return undefined;
      const backendSeconds = postgresBackends(databases)
        .filter((pid) => !pids.includes(pid))
        .reduce((sum, pid) => sum + Math.max(0, processSeconds(pid) - (backendsAtStart.get(pid) ?? 0)), 0);
      const ownSeconds =
        childSeconds +
        backendSeconds +
        pids.reduce((sum, pid, i) => sum + Math.max(0, processSeconds(pid) - own[i]!), 0);
      const otherSeconds = Math.max(0, busyNow - busy - ownSeconds);
      const capacity = ((performance.now() - started) / 1000) * os.availableParallelism();
      const round = (n: number) => Math.round(n * 100) / 100;
      return {
        ownSeconds: round(ownSeconds),
        otherSeconds: round(otherSeconds),
        otherShare: round(otherSeconds / capacity),
      };
    },
  };
}

/**
 * Waits, up to `maxWaitMs`, for a `sampleMs` window in which other processes use at most
 * `threshold` of the machine's CPU, so a timed run starts on a quiet machine. Returns the share
 * seen last (a run that starts anyway records its own share).
 */
export async function waitForQuiet(
  pids: number[],
  options: { threshold: number; maxWaitMs: number; sampleMs?: number; signal?: AbortSignal },
): Promise<number | undefined> {
  const deadline = performance.now() + options.maxWaitMs;
  let share: number | undefined;
  do {
    options.signal?.throwIfAborted();
    const meter = startCpuMeter(pids);
    await new Promise((resolve) => setTimeout(resolve, options.sampleMs ?? 2000));
    share = meter.stop()?.otherShare;
    if (share === undefined || share <= options.threshold) return share;
  } while (performance.now() < deadline);
  return share;
}

/**
 * A meter for a long run whose own processes change (services restarted under it): each window
 * counts the processes running when it opened. `cut()` closes the window and opens the next with
 * the current `pids()`; call it right before a process is killed (else its CPU in that window
 * counts as the others') and right after its replacement starts.
 */
export function startRollingCpuMeter(pids: () => number[]): { cut(): void; stop(): CpuUse | undefined } {
  const started = performance.now();
  let window = startCpuMeter(pids());
  let ownSeconds = 0;
  let otherSeconds = 0;
  let missing = false;
  const close = () => {
    const use = window.stop();
    if (use === undefined) missing = true;
    else {
      ownSeconds += use.ownSeconds;
      otherSeconds += use.otherSeconds;
    }
  };
  return {
    cut() {
      close();
      window = startCpuMeter(pids());
    },
    stop() {
      close();
      if (missing) return undefined;
      const capacity = ((performance.now() - started) / 1000) * os.availableParallelism();
      const round = (n: number) => Math.round(n * 100) / 100;
      return {
        ownSeconds: round(ownSeconds),
        otherSeconds: round(otherSeconds),
        otherShare: round(otherSeconds / capacity),
      };
    },
  };
}
