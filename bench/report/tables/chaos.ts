/**
 * bench/chaos.ts: a soak that injects faults into a running stack and checks invariants after
 * them. Read tolerantly: `results.faults` and `results.invariants` may be a count, a list (of
 * names, or of objects with a `kind`/`type`/`name`) or an object of name → count, boolean or
 * `{ checked, violated | violations | held | ok }`.
 */
import type { GoalRow } from '../goals';
import { goalTable, notMeasuredNote } from '../goals';
import type { ResultsIndex } from '../results-lines';
import { count, markdownTable, runCaption } from '../format';

interface Tally {
  name: string;
  count?: number;
  /** Invariants: how many checks failed (undefined: unknown). */
  violated?: number;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function tally(value: unknown): Tally[] {
  if (num(value) !== undefined) return [{ name: 'all', count: num(value) }];
  if (Array.isArray(value)) {
    const byName = new Map<string, Tally>();
    for (const item of value) {
      const obj = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
      const name = String(typeof item === 'string' ? item : (obj.kind ?? obj.type ?? obj.name ?? 'all'));
      const t = byName.get(name) ?? { name, count: 0 };
      t.count = (t.count ?? 0) + 1;
      if (obj.ok === false || obj.held === false || (num(obj.violations) ?? 0) > 0) t.violated = (t.violated ?? 0) + 1;
      else if (obj.ok === true || obj.held === true || num(obj.violations) === 0) t.violated ??= 0;
      byName.set(name, t);
    }
    return [...byName.values()];
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value as Record<string, unknown>).map(([name, v]): Tally => {
      if (num(v) !== undefined) return { name, count: num(v) };
      if (typeof v === 'boolean') return { name, count: 1, violated: v ? 0 : 1 };
      if (Array.isArray(v)) return { name, count: v.length };
      const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
      const violated =
        num(o.violated) ??
        num(o.violations) ??
        (Array.isArray(o.violations) ? o.violations.length : undefined) ??
        (o.held === true || o.ok === true ? 0 : o.held === false || o.ok === false ? 1 : undefined);
      return { name, count: num(o.checked) ?? num(o.count) ?? num(o.injected) ?? num(o.total), violated };
    });
  }
  return [];
}

const latest = (index: ResultsIndex) => index.latest('chaos');

export const chaosGoals: GoalRow[] = [
  {
    benchmark: 'chaos',
    subject: 'faults injected into a running stack',
    goal: 'every invariant holds after every fault',
    evaluate(index) {
      const line = latest(index);
      if (!line) return undefined;
      const faults = tally(line.results.faults);
      const invariants = tally(line.results.invariants);
      const total = (ts: Tally[], key: 'count' | 'violated') =>
        ts.some((t) => t[key] === undefined) ? undefined : ts.reduce((n, t) => n + t[key]!, 0);
      const violated = invariants.length > 0 ? total(invariants, 'violated') : undefined;
      return {
        line,
        measured: `${count(total(faults, 'count'))} faults; ${count(total(invariants, 'count'))} invariant checks, ${count(violated)} violated`,
        met: violated === undefined ? undefined : violated === 0,
      };
    },
  },
];

export function renderChaos(index: ResultsIndex): string {
  const line = latest(index);
  if (!line) return [goalTable(chaosGoals, index), notMeasuredNote(index, 'chaos')].join('\n\n');
  const rows = [
    ...tally(line.results.faults).map((t) => ['fault', t.name, count(t.count), '']),
    ...tally(line.results.invariants).map((t) => ['invariant', t.name, count(t.count), count(t.violated)]),
  ];
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
    markdownTable(['kind', 'name', 'count', 'violated'], rows, ['left', 'left', 'right', 'right']),
  ].join('\n\n');
}
