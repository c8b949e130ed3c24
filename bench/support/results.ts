/**
 * What every benchmark records next to its numbers, and how it prints and stores them: a text
 * table on stdout, one JSON line appended to `bench/results/<name>.jsonl`. Every line is built by
 * `recordResult`, so every line carries the same provenance (bench/README.md, "What a results line
 * records"); `memflow bench report` renders the published tables from these lines only.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../config/config';
import type { CpuUse } from './cpu-meter';

export const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A plain text table: by default the first column left-aligned and the others (numbers)
 * right-aligned; `align` says otherwise per column (text columns read better left-aligned).
 */
export function formatTable(header: string[], rows: string[][], align?: ('left' | 'right')[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const left = (i: number) => (align?.[i] ?? (i === 0 ? 'left' : 'right')) === 'left';
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const load1m = () => round2(os.loadavg()[0]!);

/** When a run started, and the machine's load then: the first half of its provenance. */
export interface RunStart {
  startedAt: Date;
  loadAverage1m: number;
}

export function runStart(): RunStart {
  return { startedAt: new Date(), loadAverage1m: load1m() };
}

export interface GitRevision {
  /** `git rev-parse HEAD` (the full id), or 'unknown' outside a git checkout. */
  commit: string;
  /** Whether any file outside bench/results/ differed from HEAD: the run measured the work tree. */
  dirty: boolean;
  changedFiles: string[];
}

/**
 * The commit measured and the files that differed from it. Only bench/results/ is left out (every
 * run appends to it); an uncommitted edit anywhere else, a benchmark script included, makes the
 * run dirty, and `memflow bench report` does not publish dirty runs.
 */
export function gitRevision(cwd = REPO_ROOT): GitRevision {
  const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });
  try {
    // Porcelain lines are `XY path`; the status letters may start with a space, so no trim here.
    const changedFiles = git('status', '--porcelain', '--untracked-files=all', '--', '.', ':(exclude)bench/results')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3));
    return { commit: git('rev-parse', 'HEAD').trim(), dirty: changedFiles.length > 0, changedFiles };
  } catch {
    return { commit: 'unknown', dirty: true, changedFiles: [] };
  }
}

export interface BenchMachine {
  cpu: string;
  /** Logical CPUs of the machine, and those this process may use (affinity, cgroup limits). */
  cores: number;
  availableCores: number;
  totalMemoryMiB: number;
  node: string;
  loadAverage1mAtStart: number;
  loadAverage1mAtEnd: number;
}

/** One line of bench/results/<benchmark>.jsonl. */
export interface BenchRecord extends GitRevision {
  benchmark: string;
  /** When the run started (ISO 8601, UTC). */
  date: string;
  elapsedSeconds: number;
  machine: BenchMachine;
  /**
   * The largest share of the machine's CPU (0–1) that other processes used during any of the
   * run's measured regions; null when a region could not be metered (no /proc).
   */
  otherCpuShare: number | null;
  /** CPU seconds of the benchmark's own processes over its measured regions; null as above. */
  ownCpuSeconds: number | null;
  /** The options the run was started with, and the settings it ran under. */
  params: Record<string, unknown>;
  results: Record<string, unknown>;
}

export interface RunRecord {
  start: RunStart;
  params: object;
  results: object;
  /**
   * What `startCpuMeter(…).stop()` returned for each measured region (the timed steps, rounds or
   * phases, not the set-up): the line's `otherCpuShare` is the worst of them.
   */
  cpu: CpuUse | undefined | readonly (CpuUse | undefined)[];
}

/** The results line of a run that ends now. */
export function buildRecord(benchmark: string, run: RunRecord, revision: GitRevision = gitRevision()): BenchRecord {
  const regions: readonly (CpuUse | undefined)[] = Array.isArray(run.cpu) ? run.cpu : [run.cpu as CpuUse | undefined];
  const metered = regions.length > 0 && regions.every((r) => r !== undefined);
  const cpu = regions.filter((r): r is CpuUse => r !== undefined);
  return {
    benchmark,
    date: run.start.startedAt.toISOString(),
    elapsedSeconds: Math.round((Date.now() - run.start.startedAt.getTime()) / 1000),
    ...revision,
    machine: {
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      cores: os.cpus().length,
      availableCores: os.availableParallelism(),
      totalMemoryMiB: Math.round(os.totalmem() / 1024 ** 2),
      node: process.version,
      loadAverage1mAtStart: run.start.loadAverage1m,
      loadAverage1mAtEnd: load1m(),
    },
    otherCpuShare: metered ? Math.max(...cpu.map((c) => c.otherShare)) : null,
    ownCpuSeconds: metered ? round2(cpu.reduce((sum, c) => sum + c.ownSeconds, 0)) : null,
    params: { ...run.params },
    results: { ...run.results },
  };
}

/**
 * Appends the run's line to `bench/results/<benchmark>.jsonl` (creating the folder); returns the
 * file. The only way a benchmark writes results.
 */
export function recordResult(benchmark: string, run: RunRecord): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${benchmark}.jsonl`);
  fs.appendFileSync(file, `${JSON.stringify(buildRecord(benchmark, run))}\n`);
  return file;
}
