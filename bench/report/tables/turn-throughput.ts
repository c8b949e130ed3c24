/**
 * bench/turn-throughput.ts: chat turns per second at rising offered rates until the knee (the last
 * step with p99 ≤ 300 ms and no error). A ramp counts for a row only if it found its knee, or if it
 * passed the goal rate before its `--max-rate`: a ramp capped below the goal says nothing of it.
 * The goals are read from runs on the whole PostgreSQL manual (`--corpus manual`, no `--docs`) only;
 * runs on test/fixtures/corpus (`--corpus fixtures`) fill their own rows, labelled as the
 * small-corpus floor, and never a goal row.
 */
import type { GoalRow, Measured } from '../goals';
import { goalTable, notMeasuredNote } from '../goals';
import type { BenchLine } from '../qualify';
import type { ResultsIndex } from '../results-lines';
import { NOT_MEASURED, at, count, fixed, markdownTable, numberAt, runCell } from '../format';

const GOAL_TURNS_PER_SECOND = 40;
const SOAK_SECONDS = 300;

type Corpus = 'manual' | 'fixtures';

/** The goals' corpus: the whole manual (a `--docs` run is a quick check, not a measurement). */
const fitsCorpus = (line: BenchLine, corpus: Corpus) =>
  corpus === 'manual'
    ? line.params.corpus === 'manual' && line.params.docs === undefined
    : line.params.corpus === 'fixtures';

const CORPUS_LABELS: Record<Corpus, string> = {
  manual: 'the PostgreSQL manual',
  fixtures: 'small-corpus floor (test/fixtures/corpus)',
};

interface Variant {
  label: string;
  turns: 'chat' | 'noop';
  llmSteps?: 'local' | 'activity';
}

const VARIANTS: Variant[] = [
  { label: "chat, `llmSteps: 'local'`", turns: 'chat', llmSteps: 'local' },
  { label: 'chat, default sessions', turns: 'chat', llmSteps: 'activity' },
  { label: "3 no-op local steps (`--turns noop`: the SDK's ceiling)", turns: 'noop' },
];

const isRamp = (line: BenchLine, v: Variant) =>
  line.params.turns === v.turns &&
  (v.llmSteps === undefined || line.params.llmSteps === v.llmSteps) &&
  line.params.arrivals === 'poisson' &&
  (v.turns === 'noop' || line.params.questions === 'unique');

const kneeRate = (line: BenchLine) => numberAt(line.results, 'knee.achievedRate');
const kneeReached = (line: BenchLine) => at(line.results, 'kneeReached') === true;
/** The first step failed: the knee is somewhere below `--start-rate`. */
const belowStart = (line: BenchLine) => kneeReached(line) && at(line.results, 'knee') === null;

/**
 * The ramp found its knee (one failing step after passing ones, or a first step failing at or below
 * the goal rate), or it passed the goal rate.
 */
const conclusive = (line: BenchLine) =>
  belowStart(line)
    ? (numberAt(line.params, 'startRate') ?? Infinity) <= GOAL_TURNS_PER_SECOND
    : kneeReached(line) || (kneeRate(line) ?? 0) >= GOAL_TURNS_PER_SECOND;

const latestRamp = (index: ResultsIndex, v: Variant, corpus: Corpus = 'manual') =>
  index.latest('turn-throughput', (l) => fitsCorpus(l, corpus) && isRamp(l, v) && conclusive(l));

const latestSoak = (index: ResultsIndex) =>
  index.latest(
    'turn-throughput',
    (l) =>
      fitsCorpus(l, 'manual') &&
      l.params.turns === 'chat' &&
      (numberAt(l.params, 'soakSeconds') ?? 0) >= SOAK_SECONDS &&
      numberAt(l.results, 'soak.turns') !== undefined,
  );

function kneeText(line: BenchLine): string {
  if (belowStart(line)) return `< ${fixed(numberAt(line.params, 'startRate'))}/s (the first step failed)`;
  const achieved = fixed(kneeRate(line));
  return kneeReached(line) ? `${achieved}/s` : `≥ ${achieved}/s (no knee below --max-rate)`;
}

function rampGoal(v: Variant): GoalRow {
  return {
    benchmark: 'turn-throughput',
    subject: `turns per second, ${v.label}, on the PostgreSQL manual`,
    goal: `≥ ${GOAL_TURNS_PER_SECOND} turns/s at the knee (instant LLM, local embedder, the same cores)`,
    evaluate(index): Measured | undefined {
      const line = latestRamp(index, v);
      if (!line) return undefined;
      const rate = kneeRate(line);
      return {
        line,
        measured: `knee ${kneeText(line)}`,
        met: belowStart(line) ? false : rate === undefined ? undefined : rate >= GOAL_TURNS_PER_SECOND,
      };
    },
  };
}

export const turnThroughputGoals: GoalRow[] = [
  rampGoal(VARIANTS[0]!),
  rampGoal(VARIANTS[1]!),
  {
    benchmark: 'turn-throughput',
    subject: 'a soak at 80 % of the knee, on the PostgreSQL manual',
    goal: `0 failed turns over ${SOAK_SECONDS / 60} minutes`,
    evaluate(index) {
      const line = latestSoak(index);
      if (!line) return undefined;
      const errors = numberAt(line.results, 'soak.errors');
      return {
        line,
        measured:
          `${count(numberAt(line.results, 'soak.turns'))} turns at ${fixed(numberAt(line.results, 'soak.offeredRate'))}/s ` +
          `over ${count(numberAt(line.results, 'soak.seconds'))} s, ${count(errors)} failed (\`llmSteps: '${String(line.params.llmSteps)}'\`)`,
        met: errors === undefined ? undefined : errors === 0,
      };
    },
  },
];

function step(line: BenchLine, which: 'knee' | 'last'): Record<string, unknown> | undefined {
  const steps = at(line.results, 'steps');
  if (!Array.isArray(steps)) return undefined;
  const all = steps as Record<string, unknown>[];
  if (which === 'last') return all.at(-1);
  return all.find((s) => s.passed === true && s.offeredRate === numberAt(line.results, 'knee.offeredRate'));
}

function stoppedAt(line: BenchLine): string {
  if (at(line.results, 'kneeReached') !== true)
    return `passed every step up to ${fixed(numberAt(line.params, 'maxRate'))}/s`;
  const last = step(line, 'last');
  const errors = numberAt(last, 'errors') ?? 0;
  return `${fixed(numberAt(last, 'offeredRate'))}/s: ${errors > 0 ? `${count(errors)} failed turns` : `p99 ${fixed(numberAt(last, 'p99'), 0)} ms`}`;
}

function row(index: ResultsIndex, v: Variant, corpus: Corpus, onMeasured: () => void): string[] {
  const label = `${v.label} · ${CORPUS_LABELS[corpus]}`;
  const line = latestRamp(index, v, corpus);
  if (!line) return [label, NOT_MEASURED, '', '', '', '', ''];
  onMeasured();
  const knee = step(line, 'knee');
  const cpu = (part: string) => fixed(numberAt(knee, `cpuMsPerTurn.${part}`));
  return [
    label,
    kneeText(line),
    knee ? fixed(numberAt(knee, 'p50'), 0) : '–',
    knee ? fixed(numberAt(knee, 'p99'), 0) : '–',
    knee ? `${cpu('total')} (${cpu('bench')} / ${cpu('temporal')} / ${cpu('milvus')})` : '–',
    stoppedAt(line),
    `${runCell(line)} · ${count(numberAt(line.params, 'chunks'))} chunks, ${fixed(numberAt(line.params, 'sessions'), 0)} sessions, ` +
      `${fixed(numberAt(line.params, 'stepSeconds'), 0)} s steps`,
  ];
}

export function renderTurnThroughput(index: ResultsIndex): string {
  let measured = false;
  const corpora: Corpus[] = ['manual', 'fixtures'];
  const rows = corpora.flatMap((corpus) => VARIANTS.map((v) => row(index, v, corpus, () => void (measured = true))));
  const soak = latestSoak(index);
  const soakRow = soak
    ? [
        `soak, \`llmSteps: '${String(soak.params.llmSteps)}'\` · ${CORPUS_LABELS.manual}`,
        `${fixed(numberAt(soak.results, 'soak.offeredRate'))}/s × ${count(numberAt(soak.results, 'soak.seconds'))} s`,
        count(numberAt(soak.results, 'soak.turns')),
        count(numberAt(soak.results, 'soak.errors')),
        fixed(numberAt(soak.results, 'soak.p99'), 0),
        runCell(soak),
      ]
    : [`soak · ${CORPUS_LABELS.manual}`, NOT_MEASURED, '', '', '', ''];
  return [
    goalTable(turnThroughputGoals, index),
    markdownTable(
      [
        'turns',
        'knee (achieved)',
        'p50 ms at the knee',
        'p99 ms',
        'CPU ms/turn (worker / Temporal / Milvus)',
        'the ramp stopped at',
        'run',
      ],
      rows,
      ['left', 'right', 'right', 'right', 'right', 'left', 'left'],
    ),
    markdownTable(
      ['soak', 'offered', 'turns', 'failed', 'p99 ms', 'run'],
      [soakRow],
      ['left', 'right', 'right', 'right', 'right', 'left'],
    ),
    ...(measured || soak ? [] : [notMeasuredNote(index, 'turn-throughput')]),
  ].join('\n\n');
}
