/**
 * The chaos benchmark's fault schedule, decided in advance from a seed: which fault, when, and for
 * how long the service stays down. Pure (no I/O), so the same seed gives the same schedule on every
 * machine and a failing run can be replayed.
 *
 * Faults never overlap: each one is a block of `downtime` (the service is away) plus `recoveryMs`
 * (time reserved to restart it and for the system to catch its breath), and the blocks are laid
 * out in order, with the rest of the run spread over the gaps between them at random. The first
 * fault waits for `warmupMs`; the last block ends by the end of the run. When the downtimes drawn
 * do not fit, each one's part above its kind's minimum shrinks by the same factor.
 */
import { seededRandom } from './synthetic-vectors';

export const FAULT_KINDS = ['worker-kill', 'temporal-kill', 'temporal-stop', 'milvus-kill', 'milvus-stop'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What each fault does to its service before the downtime; the restart follows it. */
export const FAULT_ACTIONS: Record<FaultKind, { service: 'worker' | 'temporal' | 'milvus'; signal: NodeJS.Signals }> = {
  'worker-kill': { service: 'worker', signal: 'SIGKILL' },
  'temporal-kill': { service: 'temporal', signal: 'SIGKILL' },
  // The dev server closes its SQLite store on SIGINT.
  'temporal-stop': { service: 'temporal', signal: 'SIGINT' },
  // milvus-lite flushes its WAL on SIGINT; SIGKILL is a crash.
  'milvus-kill': { service: 'milvus', signal: 'SIGKILL' },
  'milvus-stop': { service: 'milvus', signal: 'SIGINT' },
};

/**
 * How long each service stays down, before `maxDowntimeMs` caps it. A worker's own restart takes
 * seconds more (bundle, embedder), so its downtime is short; Milvus gets the longest, past the
 * chat turns' store retry budget (~16 s), so some turns fail typed and are sent again.
 */
export const DOWNTIME_BOUNDS_MS: Record<FaultKind, { min: number; max: number }> = {
  'worker-kill': { min: 0, max: 5_000 },
  'temporal-kill': { min: 1_000, max: 15_000 },
  'temporal-stop': { min: 1_000, max: 15_000 },
  'milvus-kill': { min: 1_000, max: 30_000 },
  'milvus-stop': { min: 1_000, max: 30_000 },
};

export interface ScheduleOptions {
  seed: number;
  /** Length of the soak; every fault, downtime and recovery reserve included, ends within it. */
  durationMs: number;
  /** How many faults (at least one of each kind when there are as many as kinds). */
  faults: number;
  /** No fault before this (the workload gets going first). */
  warmupMs: number;
  /** Reserved after each downtime for the restart and for the system to recover. */
  recoveryMs: number;
  /** A cap on every downtime (the per-kind bounds still apply below it). */
  maxDowntimeMs: number;
  /** Worker processes running: a worker kill picks one of them. */
  workers: number;
}

export interface PlannedFault {
  /** 1-based, in order of time. */
  index: number;
  kind: FaultKind;
  /** When the fault strikes, from the start of the soak. */
  atMs: number;
  /** How long the service stays down before it is started again. */
  downtimeMs: number;
  /** For `worker-kill`: which worker (0-based). */
  victim: number;
}

/** Why a schedule cannot be made (too many faults for the run): a usage error, not a failed run. */
export class ScheduleError extends Error {}

/** The downtime range of `kind` under the options' cap. */
export function downtimeRange(kind: FaultKind, capMs: number): { min: number; max: number } {
  const bounds = DOWNTIME_BOUNDS_MS[kind];
  return { min: bounds.min, max: Math.max(bounds.min, Math.min(bounds.max, capMs)) };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** The seeded fault schedule; throws {@link ScheduleError} when the faults cannot fit in the run. */
export function planFaults(options: ScheduleOptions): PlannedFault[] {
  const { durationMs, faults, warmupMs, recoveryMs, workers } = options;
  if (!Number.isInteger(faults) || faults < 1) throw new ScheduleError(`At least one fault, got ${faults}.`);
  if (!Number.isInteger(workers) || workers < 1) throw new ScheduleError(`At least one worker, got ${workers}.`);
  const random = seededRandom(options.seed);
  // Every kind at least once (when there are enough faults), the rest at random; then shuffled.
  const kinds: FaultKind[] = shuffle([...FAULT_KINDS], random).slice(0, faults);
  while (kinds.length < faults) kinds.push(FAULT_KINDS[Math.floor(random() * FAULT_KINDS.length)]!);
  shuffle(kinds, random);
  const blocks = kinds.map((kind) => {
    const { min, max } = downtimeRange(kind, options.maxDowntimeMs);
    const downtimeMs = Math.round(min + random() * (max - min));
    const victim = kind === 'worker-kill' ? Math.floor(random() * workers) : 0;
    return { kind, downtimeMs, victim, minMs: min };
  });

  const usableMs = durationMs - warmupMs;
  const floorMs = blocks.reduce((sum, b) => sum + b.minMs + recoveryMs, 0);
  if (floorMs > usableMs) {
    throw new ScheduleError(
      `${faults} faults do not fit in ${Math.round(durationMs / 1000)} s: they need ${Math.ceil(floorMs / 1000)} s ` +
        `or more (${recoveryMs / 1000} s of recovery each, plus downtime) after a ${warmupMs / 1000} s warm-up. ` +
        'Run longer or ask for fewer faults.',
    );
  }
  // Too long together: every downtime's part above its minimum shrinks by the same factor.
  const extraMs = blocks.reduce((sum, b) => sum + b.downtimeMs - b.minMs, 0);
  const shrink = floorMs + extraMs > usableMs ? (usableMs - floorMs) / extraMs : 1;
  for (const b of blocks) b.downtimeMs = b.minMs + Math.floor((b.downtimeMs - b.minMs) * shrink);

  // The time left over is spread over the gap before each fault and the one after the last.
  const busyMs = blocks.reduce((sum, b) => sum + b.downtimeMs + recoveryMs, 0);
  const freeMs = usableMs - busyMs;
  const weights = Array.from({ length: faults + 1 }, () => random());
  const total = weights.reduce((sum, w) => sum + w, 0) || 1;
  let at = warmupMs;
  return blocks.map(({ kind, downtimeMs, victim }, i) => {
    at += Math.floor((weights[i]! / total) * freeMs);
    const fault: PlannedFault = { index: i + 1, kind, atMs: at, downtimeMs, victim };
    at += downtimeMs + recoveryMs;
    return fault;
  });
}
