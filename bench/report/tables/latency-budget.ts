/** bench/latency-budget.ts: the non-LLM part of a chat turn, line by line; the query-embedding cache hit. */
import type { GoalRow, Measured } from '../goals';
import { goalTable, notMeasuredNote } from '../goals';
import type { BenchLine } from '../qualify';
import type { ResultsIndex } from '../results-lines';
import { at, fixed, flags, markdownTable, numberAt, runCaption } from '../format';

const GOAL_TOTAL_P95_MS = 70;
const GOAL_CACHE_HIT_MS = 1;
const MODES = ['cold', 'cached', 'cold/local', 'cached/local'];
/** [key in the results line, what the row says]. */
const LINES: [string, string][] = [
  ['routing', 'routing: client send → the Update’s workflow task starts'],
  ['accept', 'accept: that task → planTurn starts'],
  ['between', 'between: the hops between the steps (Σ of 2)'],
  ['planTurn', 'planTurn run (fake LLM, 0 ms)'],
  ['retrieveChunks', 'retrieveChunks run (pin, embed, search, memories)'],
  ['writeAnswer', 'writeAnswer run (fake LLM, 0 ms)'],
  ['finish', 'finish: writeAnswer done → Update completed'],
  ['reply', 'reply: Update completed → the client'],
  ['total', '**total** (client latency)'],
];
const MICRO: [string, string, number][] = [
  ['embedCold', 'embed, cache miss (local, thread)', 1],
  ['cacheHit', 'embed, query-embedding cache hit', 3],
  ['search', 'Milvus search alone (dense + BM25, RRF)', 1],
  ['pinIndex', 'pinIndex alone', 1],
];

function mode(line: BenchLine, name: string): Record<string, unknown> | undefined {
  const modes = at(line.results, 'modes');
  return Array.isArray(modes) ? (modes as Record<string, unknown>[]).find((m) => m.mode === name) : undefined;
}

const latest = (index: ResultsIndex) =>
  index.latest('latency-budget', (l) => MODES.every((m) => mode(l, m) !== undefined));

function sessionGoal(local: boolean): GoalRow {
  const [cold, cached] = local ? ['cold/local', 'cached/local'] : ['cold', 'cached'];
  return {
    benchmark: 'latency-budget',
    subject: local
      ? "non-LLM part of a turn, `llmSteps: 'local'` sessions"
      : 'non-LLM part of a turn, default sessions',
    goal: `≤ ${GOAL_TOTAL_P95_MS} ms p95 (local embedder; fake LLM at 0 ms)`,
    evaluate(index): Measured | undefined {
      const line = latest(index);
      if (!line) return undefined;
      const p95 = [cold, cached].map((m) => numberAt(mode(line, m), 'lines.total.p95'));
      return {
        line,
        measured: `p95 ${fixed(p95[0])} ms for a new question, ${fixed(p95[1])} ms cached`,
        met: p95.some((v) => v === undefined) ? undefined : p95.every((v) => v! <= GOAL_TOTAL_P95_MS),
      };
    },
  };
}

export const latencyBudgetGoals: GoalRow[] = [
  sessionGoal(false),
  sessionGoal(true),
  {
    benchmark: 'latency-budget',
    subject: 'query-embedding cache hit',
    goal: `< ${GOAL_CACHE_HIT_MS} ms`,
    evaluate(index) {
      const line = latest(index);
      if (!line) return undefined;
      const p50 = numberAt(line.results, 'micro.cacheHit.p50');
      const p99 = numberAt(line.results, 'micro.cacheHit.p99');
      return {
        line,
        measured: `${fixed(p50, 3)} ms p50, ${fixed(p99, 3)} ms p99`,
        met: p99 === undefined ? undefined : p99 < GOAL_CACHE_HIT_MS,
      };
    },
  },
];

function details(line: BenchLine): string[] {
  const turns = markdownTable(
    ['line', ...MODES.flatMap((m) => [`${m} p50`, `${m} p95`])],
    [
      ...LINES.map(([key, label]) => [
        label,
        ...MODES.flatMap((m) => [
          fixed(numberAt(mode(line, m), `lines.${key}.p50`)),
          fixed(numberAt(mode(line, m), `lines.${key}.p95`)),
        ]),
      ]),
      [
        'total − planTurn − writeAnswer',
        ...MODES.flatMap((m) => [
          fixed(numberAt(mode(line, m), 'withoutLlmCalls.p50')),
          fixed(numberAt(mode(line, m), 'withoutLlmCalls.p95')),
        ]),
      ],
    ],
  );
  const micro = markdownTable(
    ['in-process, worker idle', 'p50', 'p95', 'p99', 'max'],
    MICRO.map(([key, label, digits]) => [
      label,
      ...['p50', 'p95', 'p99', 'max'].map((p) => fixed(numberAt(line.results, `micro.${key}.${p}`), digits)),
    ]),
  );
  return [
    "Milliseconds; cold = a new question every turn, cached = warmed questions, /local = `llmSteps: 'local'`:",
    turns,
    micro,
  ];
}

export function renderLatencyBudget(index: ResultsIndex): string {
  const line = latest(index);
  if (!line) return [goalTable(latencyBudgetGoals, index), notMeasuredNote(index, 'latency-budget')].join('\n\n');
  const caption = runCaption(
    line,
    `${flags(line.params, { turns: '--turns', warmup: '--warmup', micro: '--micro' })} Embedder ${String(line.params.embedder ?? '?')}, ` +
      `${fixed(numberAt(line.results, 'chunks'), 0)} chunks.`,
  );
  return [goalTable(latencyBudgetGoals, index), caption, ...details(line)].join('\n\n');
}
