/**
 * bench/memory.ts: the worker's RSS with 1,000 open sessions. Rows need the worker as `memflow
 * stack up` starts it (no `--max-cached`, `--arena`, `--heap-mib` or `--worker-env`): the goal is
 * about the defaults.
 */
import type { GoalRow } from '../goals';
import { goalTable, notMeasuredNote } from '../goals';
import type { BenchLine } from '../qualify';
import type { ResultsIndex } from '../results-lines';
import { at, count, fixed, markdownTable, numberAt, percent, runCaption } from '../format';

const GOAL_MB = 600;
const SESSIONS = 1000;

const withDefaults = (line: BenchLine) =>
  line.params.sessions === SESSIONS &&
  line.params.maxCached === undefined &&
  line.params.arena === undefined &&
  line.params.heapMiB === undefined &&
  Object.keys((line.params.workerEnv as object | undefined) ?? {}).length === 0;

const latest = (index: ResultsIndex) =>
  index.latest('memory', (l) => withDefaults(l) && numberAt(l.results, 'peakMiB') !== undefined);

export const memoryGoals: GoalRow[] = [
  {
    benchmark: 'memory',
    subject: 'worker memory, 1,000 open sessions',
    goal: `RSS ≤ ${GOAL_MB} MB (${fixed((GOAL_MB * 1e6) / 1024 ** 2)} MiB), peak included, with the defaults`,
    evaluate(index) {
      const line = latest(index);
      if (!line) return undefined;
      const peak = numberAt(line.results, 'peakMiB');
      const samples = at(line.results, 'samples');
      const settled = Array.isArray(samples) ? numberAt(samples.at(-1), 'rssMiB') : undefined;
      return {
        line,
        measured: `${fixed(settled, 0)} MiB settled, ${fixed(peak, 0)} MiB peak`,
        met: peak === undefined ? undefined : peak <= (GOAL_MB * 1e6) / 1024 ** 2,
      };
    },
  },
];

export function renderMemory(index: ResultsIndex): string {
  const line = latest(index);
  if (!line) return [goalTable(memoryGoals, index), notMeasuredNote(index, 'memory')].join('\n\n');
  const p = line.params;
  const caption = runCaption(
    line,
    `The worker as \`memflow stack up\` starts it: ${count(numberAt(p, 'maxCachedWorkflows'))} cached sessions, ` +
      `a ${count(numberAt(p, 'heapLimitMiB'))} MiB V8 heap limit, memory arena ${p.memoryArena === true ? 'on' : 'off'}; ` +
      `${count(numberAt(p, 'concurrency'))} turns at a time; ${count(numberAt(line.results, 'perSessionKiB'))} KiB per open session (settled − idle).`,
  );
  const samples = at(line.results, 'samples');
  const rows = (Array.isArray(samples) ? (samples as Record<string, unknown>[]) : []).map((s) => [
    String(s.phase ?? '?').trim(),
    fixed(numberAt(s, 'rssMiB'), 0),
    fixed(numberAt(s, 'peakMiB'), 0),
    s.turnsPerSecond === undefined ? '' : fixed(numberAt(s, 'turnsPerSecond')),
    s.errors === undefined ? '' : count(numberAt(s, 'errors')),
    s.otherCpuShare === undefined ? '' : percent(numberAt(s, 'otherCpuShare')),
  ]);
  return [
    goalTable(memoryGoals, index),
    caption,
    markdownTable(['phase', 'RSS MiB', 'peak MiB', 'turns/s', 'failed turns', 'other CPU'], rows),
  ].join('\n\n');
}
