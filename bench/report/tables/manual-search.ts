/**
 * bench/manual-search.ts: search on the whole PostgreSQL manual, configuration by configuration
 * (the default, dense and lexical legs apart and fused, milvus-lite and Milvus standalone), latency and
 * page-level quality side by side. Its line's `results.configurations`: `{ name, label, milvus,
 * lexical, latencyMs: { p50, p95, p99, max }, quality: { overall, literal, paraphrased } }`, each
 * quality `{ recallAt1, recallAt5, recallAt10, mrrAt10 }`. Rows need a whole-manual run (no `--docs`).
 */
import type { GoalRow } from '../goals';
import { NO_GOAL, goalTable, notMeasuredNote } from '../goals';
import type { BenchLine } from '../qualify';
import type { ResultsIndex } from '../results-lines';
import { NOT_MEASURED, at, count, fixed, markdownTable, numberAt, runCaption } from '../format';

type Configuration = Record<string, unknown>;

/**
 * The configuration a turn ran at the line's commit: the line says so (`results.defaultConfiguration`);
 * lines from before it did measured milvus-lite's hybrid search as the default.
 */
export function defaultConfigurationOf(line: BenchLine): string {
  const named = at(line.results, 'defaultConfiguration');
  return typeof named === 'string' ? named : 'lite-hybrid';
}

const wholeManual = (line: BenchLine) => line.params.corpus === 'manual' && line.params.docs === undefined;

const latest = (index: ResultsIndex) => index.latest('manual-search', wholeManual);

function configurations(line: BenchLine): Configuration[] {
  const list = at(line.results, 'configurations');
  return Array.isArray(list) ? (list as Configuration[]) : [];
}

const p50 = (c: Configuration) => numberAt(c, 'latencyMs.p50');
const recall5 = (c: Configuration) => numberAt(c, 'quality.overall.recallAt5');

/**
 * The fastest configuration (by p50) that finds at least as much as the default at recall@5, overall
 * and on the paraphrased questions, other than the default; undefined when none does.
 */
export function fastestAtDefaultQuality(
  list: readonly Configuration[],
  defaultName: string,
): Configuration | undefined {
  const base = list.find((c) => c.name === defaultName);
  if (!base) return undefined;
  const floor = { overall: recall5(base), paraphrased: numberAt(base, 'quality.paraphrased.recallAt5') };
  if (floor.overall === undefined || floor.paraphrased === undefined) return undefined;
  return list
    .filter(
      (c) =>
        c.name !== defaultName &&
        (recall5(c) ?? -1) >= floor.overall! &&
        (numberAt(c, 'quality.paraphrased.recallAt5') ?? -1) >= floor.paraphrased! &&
        p50(c) !== undefined,
    )
    .sort((a, b) => p50(a)! - p50(b)!)[0];
}

export const manualSearchGoals: GoalRow[] = [
  {
    benchmark: 'manual-search',
    subject: 'search on the whole PostgreSQL manual, the default vs. other backends',
    goal: NO_GOAL,
    evaluate(index) {
      const line = latest(index);
      if (!line) return undefined;
      const list = configurations(line);
      const defaultName = defaultConfigurationOf(line);
      const base = list.find((c) => c.name === defaultName);
      const better = fastestAtDefaultQuality(list, defaultName);
      const describe = (c: Configuration | undefined) =>
        `p50 ${fixed(c && p50(c))} ms, p99 ${fixed(c && numberAt(c, 'latencyMs.p99'))} ms, ` +
        `recall@1 ${fixed(c && numberAt(c, 'quality.overall.recallAt1'), 3)}, recall@5 ${fixed(c && recall5(c), 3)}`;
      return {
        line,
        measured:
          `the default (${String(base?.label ?? defaultName)}): ${describe(base)}; ` +
          (better
            ? `fastest with recall@5 no lower (overall and paraphrased): ${String(better.label)}, ${describe(better)}`
            : 'no other configuration has recall@5 as high (overall and paraphrased)'),
        met: undefined,
      };
    },
  },
];

export function renderManualSearch(index: ResultsIndex): string {
  const line = latest(index);
  if (!line) return [goalTable(manualSearchGoals, index), notMeasuredNote(index, 'manual-search')].join('\n\n');
  const rows = configurations(line).map((c) => [
    String(c.label ?? c.name ?? '?'),
    fixed(numberAt(c, 'latencyMs.p50')),
    fixed(numberAt(c, 'latencyMs.p95')),
    fixed(numberAt(c, 'latencyMs.p99')),
    fixed(numberAt(c, 'quality.overall.recallAt1'), 3),
    fixed(numberAt(c, 'quality.overall.recallAt5'), 3),
    fixed(numberAt(c, 'quality.paraphrased.recallAt5'), 3),
    fixed(numberAt(c, 'quality.overall.recallAt10'), 3),
    fixed(numberAt(c, 'quality.overall.mrrAt10'), 3),
  ]);
  const standalone = at(line.results, 'standalone');
  return [
    goalTable(manualSearchGoals, index),
    runCaption(
      line,
      `Options: \`--rounds ${String(line.params.rounds)}\`. ${count(numberAt(line.params, 'chunks'))} chunks of ` +
        `${count(numberAt(line.params, 'documents'))} pages, ${count(numberAt(line.params, 'questions'))} questions, ` +
        `${String(line.params.depth)} deep; embedder ${String(line.params.embedder)} (query embedding not included).` +
        (standalone
          ? ` Standalone: ${String(at(standalone, 'indexBackend') ?? '?')}, sealed and indexed before timing.`
          : ''),
    ),
    rows.length === 0
      ? NOT_MEASURED
      : markdownTable(
          [
            'configuration',
            'p50 ms',
            'p95 ms',
            'p99 ms',
            'recall@1',
            'recall@5',
            'recall@5 paraphrased',
            'recall@10',
            'MRR@10',
          ],
          rows,
          ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
        ),
  ].join('\n\n');
}
