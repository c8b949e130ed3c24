/**
 * Which results lines `memflow bench report` may publish. A line qualifies when it
 *
 * 1. carries the provenance `recordResult` writes (lines from before it do not: they lack
 *    `otherCpuShare`, `machine.cores`, `params`/`results`, …);
 * 2. is clean: `dirty: false` (nothing outside bench/results/ differed from its commit);
 * 3. is quiet (unless its benchmark says `requiresQuiet: false`): other processes used at most `QUIET_OTHER_CPU_SHARE` of the machine's CPU in every
 *    measured region of the run;
 * 4. measured the current code: its commit is in HEAD's history and no file under the benchmark's
 *    paths (bench/report/registry.ts) changed between that commit and HEAD.
 *
 * Of the qualifying lines, each table row shows the latest that fits the row (bench/report/tables/).
 */
import type { BenchMachine, BenchRecord } from '../support/results';

/** Above this share of the machine's CPU used by other processes, a run is not published. */
export const QUIET_OTHER_CPU_SHARE = 0.1;

/** A results line with its provenance checked: what the tables read. */
export interface BenchLine extends BenchRecord {
  /** Its 1-based line number in bench/results/<benchmark>.jsonl. */
  lineNumber: number;
}

/** Whether `paths` changed between `commit` and HEAD; undefined when the commit is not in HEAD's history. */
export type ChangedSince = (commit: string, paths: readonly string[]) => boolean | undefined;

export type Verdict =
  | { qualifies: true; line: BenchLine }
  | { qualifies: false; reason: 'no provenance' | 'dirty' | 'noisy' | 'stale' | 'unknown commit'; detail: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The provenance fields a line lacks (empty: it has them all). A benchmark that need not be quiet
 * may leave `otherCpuShare` null: a quality measure (`memflow eval retrieval`) meters no CPU.
 */
export function missingProvenance(raw: Record<string, unknown>, { requiresQuiet = true } = {}): string[] {
  const machine = isObject(raw.machine) ? (raw.machine as Partial<Record<keyof BenchMachine, unknown>>) : {};
  const checks: [string, boolean][] = [
    ['date', typeof raw.date === 'string' && !Number.isNaN(Date.parse(raw.date))],
    ['commit', typeof raw.commit === 'string' && /^[0-9a-f]{7,40}$/.test(raw.commit)],
    ['dirty', typeof raw.dirty === 'boolean'],
    ['changedFiles', Array.isArray(raw.changedFiles)],
    ['machine.cpu', typeof machine.cpu === 'string'],
    ['machine.cores', typeof machine.cores === 'number'],
    ['machine.totalMemoryMiB', typeof machine.totalMemoryMiB === 'number'],
    ['machine.node', typeof machine.node === 'string'],
    ['machine.loadAverage1mAtStart', typeof machine.loadAverage1mAtStart === 'number'],
    ['machine.loadAverage1mAtEnd', typeof machine.loadAverage1mAtEnd === 'number'],
    ['otherCpuShare', typeof raw.otherCpuShare === 'number' || (!requiresQuiet && raw.otherCpuShare === null)],
    ['params', isObject(raw.params)],
    ['results', isObject(raw.results)],
  ];
  return checks.filter(([, ok]) => !ok).map(([field]) => field);
}

const percent = (share: number) => `${Math.round(share * 100)} %`;

/** Checks one parsed line of a benchmark whose measured code is `paths`. */
export function qualify(
  raw: Record<string, unknown>,
  lineNumber: number,
  paths: readonly string[],
  changedSince: ChangedSince,
  { requiresQuiet = true }: { requiresQuiet?: boolean } = {},
): Verdict {
  const missing = missingProvenance(raw, { requiresQuiet });
  if (missing.length > 0) return { qualifies: false, reason: 'no provenance', detail: `lacks ${missing.join(', ')}` };
  const line = { ...(raw as unknown as BenchRecord), lineNumber };
  if (line.dirty) {
    const files = line.changedFiles.slice(0, 3).join(', ');
    return { qualifies: false, reason: 'dirty', detail: `uncommitted changes (${files || 'unknown files'})` };
  }
  const share = line.otherCpuShare ?? 0;
  if (requiresQuiet && share > QUIET_OTHER_CPU_SHARE) {
    return {
      qualifies: false,
      reason: 'noisy',
      detail: `other processes used ${percent(share)} of the CPU (> ${percent(QUIET_OTHER_CPU_SHARE)})`,
    };
  }
  const changed = changedSince(line.commit, paths);
  if (changed === undefined)
    return { qualifies: false, reason: 'unknown commit', detail: `${line.commit} is not in HEAD's history` };
  if (changed) return { qualifies: false, reason: 'stale', detail: `measured code changed since ${line.commit}` };
  return { qualifies: true, line };
}
