/**
 * bench/latency-budget.ts: the non-LLM part of a chat turn, line by line; the query-embedding cache
 * hit; retrieveChunks with the search's share of it. The goals are read from runs on the whole
 * PostgreSQL manual (`--corpus manual`, no `--docs`) only; runs on test/fixtures/corpus
 * (`--corpus fixtures`) are shown apart, as the small-corpus floor, and never fill a goal row.
 */
import type { GoalRow, Measured } from '../goals';
import { goalTable, notMeasuredNote } from '../goals';
import type { BenchLine } from '../qualify';
import type { ResultsIndex } from '../results-lines';
import { at, count, fixed, flags, markdownTable, numberAt, runCaption } from '../format';

const GOAL_TOTAL_P95_MS = 70;
const GOAL_CACHE_HIT_MS = 1;
const GOAL_RETRIEVE_P50_MS = 20;
const GOAL_RETRIEVE_P99_MS = 50;
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
  ['search', "the turn's search alone", 1],
  ['denseLeg', '  its dense leg alone (Milvus)', 1],
  ['lexicalLeg', '  its lexical leg alone (PostgreSQL full text)', 1],
  ['pinIndex', 'pinIndex alone', 1],
  ['retrieveCold', 'retrieveChunks alone, cache miss', 1],
  ['retrieveCached', 'retrieveChunks alone, cache hit', 1],
];
/** [key under results.retrieveChunks, what the row says, its search-share key]. */
const RETRIEVE: [string, string, string][] = [
  ['cold', 'in the turns, new questions (cold, cold/local)', 'cold'],
  ['cached', 'in the turns, warmed questions (cached, cached/local)', 'cached'],
  ['alone.cold', 'alone, in-process, cache miss', 'aloneCold'],
  ['alone.cached', 'alone, in-process, cache hit', 'aloneCached'],
];

/**
 * What the line's search row timed: it says so since the lexical leg became PostgreSQL's; before,
 * it was the Milvus store's hybrid search 12 deep.
 */
export function searchKind(line: BenchLine): string {
  const kind = at(line.results, 'micro.searchKind');
  return typeof kind === 'string' ? kind : 'Milvus dense + BM25, RRF, 12 deep';
}

type Corpus = 'manual' | 'fixtures';
/** The goals' corpus: the whole manual (a `--docs` run is a quick check, not a measurement). */
const fitsCorpus = (line: BenchLine, corpus: Corpus) =>
  corpus === 'manual'
    ? line.params.corpus === 'manual' && line.params.docs === undefined
    : line.params.corpus === 'fixtures';

function mode(line: BenchLine, name: string): Record<string, unknown> | undefined {
  const modes = at(line.results, 'modes');
  return Array.isArray(modes) ? (modes as Record<string, unknown>[]).find((m) => m.mode === name) : undefined;
}

const latest = (index: ResultsIndex, corpus: Corpus = 'manual') =>
  index.latest('latency-budget', (l) => fitsCorpus(l, corpus) && MODES.every((m) => mode(l, m) !== undefined));

const share = (value: number | undefined) => (value === undefined ? '?' : `${Math.round(value * 100)} %`);

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
  {
    benchmark: 'latency-budget',
    subject: 'retrieveChunks on the full PostgreSQL manual, new questions',
    goal: `p50 ≤ ${GOAL_RETRIEVE_P50_MS} ms, p99 ≤ ${GOAL_RETRIEVE_P99_MS} ms, with the search's share shown (default stack)`,
    evaluate(index) {
      const line = latest(index);
      if (!line) return undefined;
      const p50 = numberAt(line.results, 'retrieveChunks.cold.p50');
      const p99 = numberAt(line.results, 'retrieveChunks.cold.p99');
      return {
        line,
        measured:
          `p50 ${fixed(p50)} ms, p99 ${fixed(p99)} ms; the search alone (${searchKind(line)}) p50 ` +
          `${fixed(numberAt(line.results, 'retrieveChunks.search.p50'))} ms ` +
          `(${share(numberAt(line.results, 'retrieveChunks.searchShareP50.cold'))} of the p50)`,
        met:
          p50 === undefined || p99 === undefined
            ? undefined
            : p50 <= GOAL_RETRIEVE_P50_MS && p99 <= GOAL_RETRIEVE_P99_MS,
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
    MICRO.filter(([key]) => at(line.results, `micro.${key}`) !== undefined).map(([key, label, digits]) => [
      key === 'search' ? `${label} (${searchKind(line)})` : label,
      ...['p50', 'p95', 'p99', 'max'].map((p) => fixed(numberAt(line.results, `micro.${key}.${p}`), digits)),
    ]),
  );
  const retrieve = markdownTable(
    ['retrieveChunks', 'p50', 'p95', 'p99', 'max', "the search's share of its p50"],
    [
      ...RETRIEVE.map(([key, label, shareKey]) => [
        label,
        ...['p50', 'p95', 'p99', 'max'].map((p) => fixed(numberAt(line.results, `retrieveChunks.${key}.${p}`))),
        share(numberAt(line.results, `retrieveChunks.searchShareP50.${shareKey}`)),
      ]),
      [
        `the turn's search alone (${searchKind(line)})`,
        ...['p50', 'p95', 'p99', 'max'].map((p) => fixed(numberAt(line.results, `retrieveChunks.search.${p}`))),
        '',
      ],
    ],
  );
  return [
    "Milliseconds; cold = a new question every turn, cached = warmed questions, /local = `llmSteps: 'local'`:",
    turns,
    micro,
    "retrieveChunks, and the search's share of it (the search alone p50 ÷ retrieveChunks p50):",
    retrieve,
  ];
}

function corpusSection(index: ResultsIndex, corpus: Corpus): string[] {
  const line = latest(index, corpus);
  const heading =
    corpus === 'manual'
      ? '**The whole PostgreSQL manual** (`--corpus manual`: the goals above are read from these runs only).'
      : '**Small-corpus floor** (`--corpus fixtures`: test/fixtures/corpus; a floor under the figures above, never a measurement of the goals).';
  if (!line) return [`${heading} Not measured.`];
  const caption = runCaption(
    line,
    `${flags(line.params, { corpus: '--corpus', turns: '--turns', warmup: '--warmup', micro: '--micro' })} Embedder ${String(line.params.embedder ?? '?')}, ` +
      `${count(numberAt(line.params, 'documents'))} documents, ${count(numberAt(line.results, 'chunks'))} chunks.`,
  );
  return [heading, caption, ...details(line)];
}

export function renderLatencyBudget(index: ResultsIndex): string {
  const measured = latest(index, 'manual') ?? latest(index, 'fixtures');
  return [
    goalTable(latencyBudgetGoals, index),
    ...corpusSection(index, 'manual'),
    ...corpusSection(index, 'fixtures'),
    ...(measured ? [] : [notMeasuredNote(index, 'latency-budget')]),
  ].join('\n\n');
}
