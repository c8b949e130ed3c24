/**
 * bench/chaos.ts: a soak that injects faults into a running stack and checks invariants after
 * them. Its line's `results`: `pass`, `invariants` (name → `{ pass, …counts }`), `faultCount`,
 * `faults` (one object per fault, with its `kind`), `turns` (`sent`, `answered`, `retries`, …),
 * `ingests`, `saga` (`outcome`).
 */
import type { GoalRow } from '../goals';
import { goalTable, notMeasuredNote } from '../goals';
import type { ResultsIndex } from '../results-lines';
import { count, markdownTable, runCaption } from '../format';

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const record = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

interface InvariantResult {
  name: string;
  pass?: boolean;
  counts: [string, number][];
}

function invariants(results: Record<string, unknown>): InvariantResult[] {
  return Object.entries(record(results.invariants)).map(([name, value]) => {
    const o = record(value);
    return {
      name,
      pass: typeof o.pass === 'boolean' ? o.pass : undefined,
      counts: Object.entries(o).flatMap(([k, v]): [string, number][] => (num(v) !== undefined ? [[k, num(v)!]] : [])),
    };
  });
}

function faultsByKind(results: Record<string, unknown>): [string, number][] {
  const byKind = new Map<string, number>();
  for (const f of Array.isArray(results.faults) ? results.faults : []) {
    const kind = String(record(f).kind ?? 'unknown');
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  return [...byKind.entries()];
}

const latest = (index: ResultsIndex) => index.latest('chaos');

export const chaosGoals: GoalRow[] = [
  {
    benchmark: 'chaos',
    subject: 'faults injected into a running stack',
    goal: '≥ 10 min, ≥ 20 faults; every invariant holds',
    evaluate(index) {
      const line = latest(index);
      if (!line) return undefined;
      const checks = invariants(line.results);
      const broken = checks.filter((c) => c.pass === false).length;
      const turns = record(line.results.turns);
      const minutes = num(record(line.params).minutes);
      const faults = num(line.results.faultCount);
      return {
        line,
        measured:
          `${count(minutes)} min, ${count(faults)} faults; ${checks.length - broken} of ${checks.length} invariants hold; ` +
          `${count(num(turns.answered))} of ${count(num(turns.sent))} turns answered`,
        met:
          typeof line.results.pass !== 'boolean'
            ? undefined
            : line.results.pass && (minutes ?? 0) >= 10 && (faults ?? 0) >= 20,
      };
    },
  },
];

export function renderChaos(index: ResultsIndex): string {
  const line = latest(index);
  if (!line) return [goalTable(chaosGoals, index), notMeasuredNote(index, 'chaos')].join('\n\n');
  const checks = invariants(line.results);
  return [
    goalTable(chaosGoals, index),
    runCaption(
      line,
      `Parameters: ${
        Object.entries(line.params)
          .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
          .map(([k, v]) => `${k} ${String(v)}`)
          .join(', ') || 'none recorded'
      }.`,
    ),
    markdownTable(
      ['fault', 'injected'],
      faultsByKind(line.results).map(([kind, n]) => [kind, count(n)]),
      ['left', 'right'],
    ),
    markdownTable(
      ['invariant', 'holds?', 'counts'],
      checks.map((c) => [
        c.name,
        c.pass === undefined ? '?' : c.pass ? 'yes' : '**no**',
        c.counts.map(([k, v]) => `${k} ${count(v)}`).join(', '),
      ]),
      ['left', 'left', 'left'],
    ),
  ].join('\n\n');
}
