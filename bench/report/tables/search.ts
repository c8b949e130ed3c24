/**
 * bench/search.ts: search latency and recall through the adapter, per Milvus flavor. Rows need the
 * goal's data set: 100k chunks × 384 dimensions over 10 tenants.
 */
import type { GoalRow, Measured } from '../goals';
import { goalTable, notMeasuredNote } from '../goals';
import type { BenchLine } from '../qualify';
import type { ResultsIndex } from '../results-lines';
import { NOT_MEASURED, at, count, fixed, markdownTable, numberAt, runCell } from '../format';

const GOAL = { p50Ms: 10, p99Ms: 25, recall: 0.95 };
const DATASET = { chunks: 100_000, dim: 384, tenants: 10 };
const FLAVORS = [
  { flavor: 'lite', label: 'milvus-lite (the default)' },
  { flavor: 'standalone', label: 'Milvus standalone (`MILVUS_FLAVOR=standalone`)' },
];

function flavorOf(line: BenchLine, flavor: string): Record<string, unknown> | undefined {
  const flavors = at(line.results, 'flavors');
  if (!Array.isArray(flavors)) return undefined;
  return (flavors as Record<string, unknown>[]).find((f) => at(f, 'milvus.flavor') === flavor);
}

const latest = (index: ResultsIndex, flavor: string) =>
  index.latest(
    'search',
    (l) => Object.entries(DATASET).every(([k, v]) => l.params[k] === v) && flavorOf(l, flavor) !== undefined,
  );

export const searchGoals: GoalRow[] = FLAVORS.map(({ flavor, label }) => ({
  benchmark: 'search',
  subject: `search at 100k chunks, ${label}`,
  goal: `p50 ≤ ${GOAL.p50Ms} ms, p99 ≤ ${GOAL.p99Ms} ms, recall@10 ≥ ${GOAL.recall} (tenant filter)`,
  evaluate(index): Measured | undefined {
    const line = latest(index, flavor);
    if (!line) return undefined;
    const f = flavorOf(line, flavor);
    const p50 = numberAt(f, 'latencyMs.p50');
    const p99 = numberAt(f, 'latencyMs.p99');
    const recall = numberAt(f, 'recallAt10.mean');
    return {
      line,
      measured: `p50 ${fixed(p50)} ms, p99 ${fixed(p99)} ms, recall@10 ${fixed(recall, 3)}`,
      met:
        p50 === undefined || p99 === undefined || recall === undefined
          ? undefined
          : p50 <= GOAL.p50Ms && p99 <= GOAL.p99Ms && recall >= GOAL.recall,
    };
  },
}));

export function renderSearch(index: ResultsIndex): string {
  let measured = false;
  const rows = FLAVORS.map(({ flavor, label }) => {
    const line = latest(index, flavor);
    if (!line) return [label, NOT_MEASURED, '', '', '', '', '', '', '', '', ''];
    measured = true;
    const f = flavorOf(line, flavor);
    const queries = numberAt(line.params, 'queries');
    const ownSeconds = numberAt(f, 'searchCpu.ownSeconds');
    return [
      label,
      fixed(numberAt(f, 'latencyMs.p50')),
      fixed(numberAt(f, 'latencyMs.p95')),
      fixed(numberAt(f, 'latencyMs.p99')),
      fixed(numberAt(f, 'latencyMs.max')),
      fixed(numberAt(f, 'recallAt10.mean'), 3),
      ownSeconds === undefined || queries === undefined ? '?' : fixed((ownSeconds * 1000) / queries),
      count(numberAt(f, 'insert.rowsPerSecond')),
      count(numberAt(f, 'memoryMiB.afterSearch.rss')),
      count(numberAt(f, 'diskMiB')),
      `${runCell(line)} · ${String(at(f, 'milvus.indexBackend') ?? '?')}`,
    ];
  });
  return [
    goalTable(searchGoals, index),
    markdownTable(
      [
        'Milvus',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'recall@10',
        'CPU ms/search',
        'insert rows/s',
        'RSS MiB',
        'disk MiB',
        'run · index',
      ],
      rows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
    ...(measured ? [] : [notMeasuredNote(index, 'search')]),
  ].join('\n\n');
}
