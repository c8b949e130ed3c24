/** bench/reindex-search.ts: search latency before, during and after a re-embed, with zero failures. */
import type { GoalRow } from '../goals';
import { goalTable, notMeasuredNote } from '../goals';
import type { BenchLine } from '../qualify';
import type { ResultsIndex } from '../results-lines';
import { at, count, fixed, flags, markdownTable, numberAt, percent, runCaption } from '../format';

interface Phase {
  phase?: unknown;
  seconds?: unknown;
}

const phasesOf = (line: BenchLine): (Phase & Record<string, unknown>)[] => {
  const phases = at(line.results, 'phases');
  return Array.isArray(phases) ? (phases as (Phase & Record<string, unknown>)[]) : [];
};

/** The phases themselves (A, B, C), not the slices of B around the cutover. */
const measuredPhases = (line: BenchLine) => phasesOf(line).filter((p) => typeof p.seconds === 'number');

const latest = (index: ResultsIndex) => index.latest('reindex-search', (l) => measuredPhases(l).length > 0);

export const reindexSearchGoals: GoalRow[] = [
  {
    benchmark: 'reindex-search',
    subject: 'search during a re-embed',
    goal: 'zero failed searches through the cutover; none after it served by the old collection',
    evaluate(index) {
      const line = latest(index);
      if (!line) return undefined;
      const phases = measuredPhases(line);
      const searches = phases.reduce((n, p) => n + (numberAt(p, 'searches') ?? 0), 0);
      const errors = phases.reduce((n, p) => n + (numberAt(p, 'errors') ?? 0), 0);
      const violations = at(line.results, 'violations');
      const ok = at(line.results, 'ok');
      return {
        line,
        measured:
          `${count(errors)} failed of ${count(searches)} searches` +
          (Array.isArray(violations) && violations.length > 0 ? `; ${violations.map(String).join('; ')}` : ''),
        met: typeof ok === 'boolean' ? ok : undefined,
      };
    },
  },
];

function details(line: BenchLine): string {
  const rows = phasesOf(line).map((p) => [
    String(p.phase ?? '?'),
    count(numberAt(p, 'searches')),
    count(numberAt(p, 'errors')),
    fixed(numberAt(p, 'searchesPerSecond')),
    fixed(numberAt(p, 'p50')),
    fixed(numberAt(p, 'p95')),
    fixed(numberAt(p, 'p99')),
    fixed(numberAt(p, 'max')),
    typeof p.seconds === 'number' ? percent(numberAt(p, 'otherCpuShare')) : '',
  ]);
  return markdownTable(
    ['phase', 'searches', 'errors', 'per s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'other CPU'],
    rows,
  );
}

export function renderReindexSearch(index: ResultsIndex): string {
  const line = latest(index);
  if (!line) return [goalTable(reindexSearchGoals, index), notMeasuredNote(index, 'reindex-search')].join('\n\n');
  const r = line.results;
  const caption = runCaption(
    line,
    `${flags(line.params, { docs: '--docs', throttleMs: '--throttle-ms', concurrency: '--concurrency', queryCache: '--query-cache' })} ` +
      `Corpus ${String(at(r, 'corpus') ?? '?')}: ${count(numberAt(r, 'chunks'))} chunks for ${count(numberAt(line.params, 'tenants'))} tenants; ` +
      `re-embed to ${String(line.params.newModel ?? '?')} in ${fixed(numberAt(r, 'reindex.seconds'))} s ` +
      `(recall@5 ${fixed(numberAt(r, 'reindex.validation.recallAt5'), 2)}, overlap@5 ${fixed(numberAt(r, 'reindex.validation.overlapAt5'), 2)}).`,
  );
  return [goalTable(reindexSearchGoals, index), caption, details(line)].join('\n\n');
}
