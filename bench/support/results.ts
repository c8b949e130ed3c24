/**
 * What every benchmark records next to its numbers, and how it prints and stores them: a text
 * table on stdout, one JSON line appended to `bench/results/<name>.jsonl`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../config/config';

export const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The commit measured (`git rev-parse --short HEAD`) and the files outside bench/ that differed
 * from it: a benchmark measures the work tree, which may hold someone's uncommitted changes.
 */
export function gitRevision(): { commit: string; dirty: boolean; changedFiles: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  try {
    // Porcelain lines are `XY path`; the status letters may start with a space, so no trim here.
    const changedFiles = git('status', '--porcelain', '--', '.', ':(exclude)bench')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3));
    return { commit: git('rev-parse', '--short', 'HEAD').trim(), dirty: changedFiles.length > 0, changedFiles };
  } catch {
    return { commit: 'unknown', dirty: false, changedFiles: [] };
  }
}

/** The machine, including its load when the run started: a shared, busy machine reads lower. */
export function machineInfo() {
  return {
    nproc: os.availableParallelism(),
    totalMemoryMiB: Math.round(os.totalmem() / 1024 ** 2),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
    node: process.version,
  };
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

/** Appends one JSON line to `bench/results/<name>.jsonl` (creating the folder); returns the file. */
export function appendResult(name: string, record: Record<string, unknown>): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.jsonl`);
  fs.appendFileSync(file, `${JSON.stringify(record)}\n`);
  return file;
}
