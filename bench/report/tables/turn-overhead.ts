/**
 * bench/turn-overhead.ts: a chat turn through Temporal minus the same steps in-process, against one
 * bare Update round trip on the same server, with the fake LLM answering after 0 and 100 ms.
 */
import type { GoalRow, Measured } from '../goals';
import { goalTable, notMeasuredNote } from '../goals';
import type { BenchLine } from '../qualify';
import type { ResultsIndex } from '../results-lines';
import { NOT_MEASURED, at, fixed, markdownTable, numberAt, runCell, times } from '../format';

const LATENCIES = [0, 100];
const GOAL_RATIO = 2;

function atLatency(line: BenchLine, ms: number): Record<string, unknown> | undefined {
  const runs = at(line.results, 'latencies');
  if (!Array.isArray(runs)) return undefined;
  return (runs as Record<string, unknown>[]).find((r) => r.llmLatencyMs === ms);
}

/** Overhead ÷ Update round trip at p50 and p99, for default sessions or `llmSteps: 'local'` ones. */
function ratios(run: Record<string, unknown> | undefined, local: boolean) {
  const base = local ? 'llmStepsLocal.vsFloor' : 'overheadVsUpdate';
  return { p50: numberAt(run, `${base}.p50`), p99: numberAt(run, `${base}.p99`) };
}

function goalRow(local: boolean): GoalRow {
  return {
    benchmark: 'turn-overhead',
    subject: local ? "turn overhead, `llmSteps: 'local'` sessions" : 'turn overhead, default sessions',
    goal: `overhead ≤ ${GOAL_RATIO}× a bare Update round trip, p50 and p99, LLM at 0 and 100 ms`,
    evaluate(index): Measured | undefined {
      // One run that measured both LLM latencies.
      const line = index.latest('turn-overhead', (l) => LATENCIES.every((ms) => atLatency(l, ms) !== undefined));
      if (!line) return undefined;
      const each = LATENCIES.map((ms) => ({ ms, ...ratios(atLatency(line, ms), local) }));
      const values = each.flatMap((e) => [e.p50, e.p99]);
      return {
        line,
        measured: each.map((e) => `${e.ms} ms: ${times(e.p50)} / ${times(e.p99)}`).join('; '),
        met: values.some((v) => v === undefined) ? undefined : values.every((v) => v! <= GOAL_RATIO),
      };
    },
  };
}

export const turnOverheadGoals: GoalRow[] = [goalRow(false), goalRow(true)];

const pair = (run: Record<string, unknown> | undefined, variant: string) =>
  `${fixed(numberAt(run, `${variant}.p50`))} / ${fixed(numberAt(run, `${variant}.p99`))}`;

export function renderTurnOverhead(index: ResultsIndex): string {
  let measured = false;
  const rows = LATENCIES.map((ms) => {
    const line = index.latest('turn-overhead', (l) => atLatency(l, ms) !== undefined);
    if (!line) return [`${ms} ms`, NOT_MEASURED, '', '', '', '', '', '', ''];
    measured = true;
    const run = atLatency(line, ms);
    const ratio = (local: boolean) => {
      const r = ratios(run, local);
      return `${times(r.p50)} / ${times(r.p99)}`;
    };
    return [
      `${ms} ms`,
      pair(run, 'temporal'),
      pair(run, 'temporalLocal'),
      pair(run, 'inProcess'),
      pair(run, 'update'),
      pair(run, 'noopTurn'),
      ratio(false),
      ratio(true),
      runCell(line),
    ];
  });
  return [
    goalTable(turnOverheadGoals, index),
    'Milliseconds, p50 / p99:',
    markdownTable(
      [
        'LLM',
        'turn, default',
        "turn, `llmSteps: 'local'`",
        'same steps in-process',
        'Update round trip',
        'Update running 3 no-op local steps',
        'overhead ÷ Update, default',
        "overhead ÷ Update, 'local'",
        'run',
      ],
      rows,
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
    ...(measured ? [] : [notMeasuredNote(index, 'turn-overhead')]),
  ].join('\n\n');
}
