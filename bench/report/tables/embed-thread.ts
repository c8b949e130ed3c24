/**
 * bench/embed-thread.ts: the local embedder in the worker's thread vs. a worker thread, with and
 * without ONNX Runtime's memory arena. Rows need the default workload (3 batches of 32 texts of
 * ~200 tokens per run) so that they compare.
 */
import type { GoalRow } from '../goals';
import { NO_GOAL, goalTable, notMeasuredNote } from '../goals';
import type { BenchLine } from '../qualify';
import type { ResultsIndex } from '../results-lines';
import { NOT_MEASURED, at, fixed, markdownTable, numberAt, runCell } from '../format';

interface Mode {
  label: string;
  threaded: boolean;
  arena: boolean;
}

const MODES: Mode[] = [
  { label: 'worker thread, arena off (the default)', threaded: true, arena: false },
  { label: 'worker thread, arena on', threaded: true, arena: true },
  { label: "in the worker's main thread, arena off", threaded: false, arena: false },
];

const DEFAULT_WORKLOAD = { batches: 3, batchSize: 32, tokens: 200 };

function modeOf(line: BenchLine, mode: Mode): Record<string, unknown> | undefined {
  const embedders = at(line.results, 'embedders');
  if (!Array.isArray(embedders)) return undefined;
  return (embedders as Record<string, unknown>[]).find(
    (e) => e.threaded === mode.threaded && e.arena === mode.arena && e.intraOp === 'default',
  );
}

const fits = (mode: Mode) => (line: BenchLine) =>
  Object.entries(DEFAULT_WORKLOAD).every(([k, v]) => line.params[k] === v) && modeOf(line, mode) !== undefined;

export const embedThreadGoals: GoalRow[] = [
  {
    benchmark: 'embed-thread',
    subject: "the worker's event loop while it embeds",
    goal: NO_GOAL,
    evaluate(index) {
      const line = index.latest('embed-thread', fits(MODES[0]!));
      if (!line) return undefined;
      const lag = numberAt(modeOf(line, MODES[0]!), 'maxLagMs');
      return {
        line,
        measured: `longest event-loop stall ${fixed(lag, 0)} ms while 32-text batches embed`,
        met: undefined,
      };
    },
  },
];

export function renderEmbedThread(index: ResultsIndex): string {
  let measured = false;
  const rows = MODES.map((mode) => {
    const line = index.latest('embed-thread', fits(mode));
    if (!line) return [mode.label, NOT_MEASURED, '', '', '', '', '', '', ''];
    measured = true;
    const m = modeOf(line, mode);
    return [
      mode.label,
      fixed(numberAt(m, 'chunksPerSecond'), 2),
      fixed(numberAt(m, 'batchP50Ms'), 0),
      fixed(numberAt(m, 'queryP50Ms')),
      fixed(numberAt(m, 'maxLagMs'), 0),
      fixed(numberAt(m, 'rssWarmMiB'), 0),
      fixed(numberAt(m, 'rssEndMiB'), 0),
      fixed(numberAt(m, 'peakMiB'), 0),
      `${runCell(line)} · ${String(line.params.model ?? '?')}, ${fixed(numberAt(line.params, 'runs'), 0)} runs`,
    ];
  });
  return [
    goalTable(embedThreadGoals, index),
    markdownTable(
      [
        'embedder',
        'chunks/s (median)',
        'batch p50 ms',
        'query p50 ms',
        'max lag ms',
        'RSS MiB after warm-up',
        'after the runs',
        'peak',
        'run',
      ],
      rows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
    ...(measured ? [] : [notMeasuredNote(index, 'embed-thread')]),
  ].join('\n\n');
}
