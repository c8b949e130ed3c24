/**
 * A benchmark's goals (from the issues that set them) as table rows: goal, measured, met — or
 * "not measured" when no results line qualifies. README.md's summary lists every benchmark's
 * goals; bench/README.md shows each benchmark's own above its details.
 */
import type { BenchLine } from './qualify';
import type { BenchmarkName } from './registry';
import type { ResultsIndex } from './results-lines';
import { NOT_MEASURED, markdownTable, runCell, yesNo } from './format';

export interface Measured {
  line: BenchLine;
  measured: string;
  /** undefined: the line lacks what the verdict needs (or there is no goal). */
  met: boolean | undefined;
}

export interface GoalRow {
  benchmark: BenchmarkName;
  /** What is measured (the summary's first column). */
  subject: string;
  /** The goal as the issue set it; `none set` for benchmarks that only inform. */
  goal: string;
  evaluate(index: ResultsIndex): Measured | undefined;
}

export const NO_GOAL = 'none set';

function cells(row: GoalRow, index: ResultsIndex): string[] {
  const m = row.evaluate(index);
  if (!m) return [row.goal, NOT_MEASURED, NOT_MEASURED, ''];
  return [row.goal, m.measured, row.goal === NO_GOAL ? '–' : yesNo(m.met), runCell(m.line)];
}

/** One benchmark's goals (bench/README.md). */
export function goalTable(rows: readonly GoalRow[], index: ResultsIndex): string {
  return markdownTable(
    ['of', 'goal', 'measured', 'met?', 'run'],
    rows.map((row) => [row.subject, ...cells(row, index)]),
    ['left', 'left', 'left', 'left', 'left'],
  );
}

/** Every benchmark's goals (README.md). */
export function summaryTable(rows: readonly GoalRow[], index: ResultsIndex): string {
  return markdownTable(
    ['benchmark', 'goal', 'measured', 'met?', 'run'],
    rows.map((row) => [`\`${row.benchmark}\`: ${row.subject}`, ...cells(row, index)]),
    ['left', 'left', 'left', 'left', 'left'],
  );
}

const REASONS: Record<string, string> = {
  'no provenance': 'from before provenance was recorded',
  dirty: 'with uncommitted changes',
  noisy: 'on a busy machine',
  stale: 'of code that has changed since',
  'unknown commit': "of a commit not in HEAD's history",
  unreadable: 'unreadable',
};

/** Why a benchmark shows nothing: what its results file holds instead. */
export function notMeasuredNote(index: ResultsIndex, benchmark: BenchmarkName): string {
  const verdicts = index.verdicts[benchmark];
  if (verdicts.length === 0) return `Not measured at this commit: \`bench/results/${benchmark}.jsonl\` has no runs.`;
  const tally = new Map<string, number>();
  for (const v of verdicts) if (!v.qualifies) tally.set(v.reason, (tally.get(v.reason) ?? 0) + 1);
  const parts = [...tally].map(([reason, n]) => `${n} ${REASONS[reason] ?? reason}`);
  const qualifying = verdicts.length - [...tally.values()].reduce((a, b) => a + b, 0);
  if (qualifying > 0) parts.push(`${qualifying} qualifying but not fitting the rows (other options)`);
  const runs = verdicts.length === 1 ? 'the one run' : `the ${verdicts.length} runs`;
  return `Not measured at this commit: of ${runs} in \`bench/results/${benchmark}.jsonl\`, ${parts.join(', ')}.`;
}
