/**
 * `memflow eval retrieval --record` on the PostgreSQL manual: page-level retrieval quality of the
 * engine's deeper ranking, a turn's passages, the pages its answer cites, and BM25 over whole pages,
 * on the committed question set (bench/questions/postgres-manual.jsonl). Its line's `results`:
 * `questions`, `answerKinds`, `rankings` (ranking → `{ overall, byKind: { literal, paraphrased } }`,
 * each `{ questions, recallAt: { 1, 5, 10 }, mrrAt10 }`), `ranks` (question → rank per ranking);
 * `params`: `questionsFile`, `baseline` (`source`, `documents`), `embeddingModels`, `llmModel`, ….
 */
import type { GoalRow } from '../goals';
import { goalTable, notMeasuredNote } from '../goals';
import type { BenchLine } from '../qualify';
import type { ResultsIndex } from '../results-lines';
import { at, fixed, markdownTable, numberAt, runCaption } from '../format';

export const QUESTION_SET = 'bench/questions/postgres-manual.jsonl';
const RANKINGS = [
  ['citations', 'pages the answer cites (what the user sees)'],
  ['passages', "a turn's passages"],
  ['engine', "the engine's 50-passage ranking"],
  ['bm25', 'Okapi BM25 over whole pages (baseline)'],
] as const;
const SCOPES = ['overall', 'literal', 'paraphrased'] as const;

/** A run over the whole manual with the committed question set (not a smaller tenant or another file). */
const onTheManual = (line: BenchLine) =>
  at(line.params, 'questionsFile') === QUESTION_SET &&
  at(line.params, 'baseline.source') === 'manual' &&
  (numberAt(line.params, 'baseline.documents') ?? 0) >= 1000;

const latest = (index: ResultsIndex) => index.latest('retrieval', onTheManual);

const score = (line: BenchLine, ranking: string, scope: string, metric: string) =>
  numberAt(line.results, `rankings.${ranking}.${scope === 'overall' ? 'overall' : `byKind.${scope}`}.${metric}`);

export const retrievalGoals: GoalRow[] = [
  {
    benchmark: 'retrieval',
    subject: 'pages the user is cited, PostgreSQL-manual question set',
    goal: 'recall@5 ≥ 0.92 overall and ≥ 0.85 on the paraphrased questions',
    evaluate(index) {
      const line = latest(index);
      if (!line) return undefined;
      const overall = score(line, 'citations', 'overall', 'recallAt.5');
      const paraphrased = score(line, 'citations', 'paraphrased', 'recallAt.5');
      return {
        line,
        measured: `recall@5 ${fixed(overall, 3)} overall, ${fixed(paraphrased, 3)} paraphrased`,
        met: overall === undefined || paraphrased === undefined ? undefined : overall >= 0.92 && paraphrased >= 0.85,
      };
    },
  },
  {
    benchmark: 'retrieval',
    subject: 'pages the user is cited vs. BM25, first page',
    goal: "recall@1 ≥ BM25's on every split",
    evaluate(index) {
      const line = latest(index);
      if (!line) return undefined;
      const pairs = SCOPES.map(
        (s) => [s, score(line, 'citations', s, 'recallAt.1'), score(line, 'bm25', s, 'recallAt.1')] as const,
      );
      return {
        line,
        measured: pairs.map(([s, c, b]) => `${s} ${fixed(c, 3)} vs ${fixed(b, 3)}`).join('; '),
        met: pairs.some(([, c, b]) => c === undefined || b === undefined)
          ? undefined
          : pairs.every(([, c, b]) => c! >= b!),
      };
    },
  },
];

export function renderRetrieval(index: ResultsIndex): string {
  const line = latest(index);
  if (!line) return [goalTable(retrievalGoals, index), notMeasuredNote(index, 'retrieval')].join('\n\n');
  const models = at(line.params, 'embeddingModels');
  const llm = at(line.params, 'llmModel');
  return [
    goalTable(retrievalGoals, index),
    runCaption(
      line,
      `${fixed(numberAt(line.results, 'questions'), 0)} questions of \`${QUESTION_SET}\` over ` +
        `${fixed(numberAt(line.params, 'baseline.documents'), 0)} manual pages; embedding ` +
        `${Array.isArray(models) ? models.join(', ') : '?'}; answers by ${typeof llm === 'string' ? llm : 'the extractive answerer (no LLM)'}.`,
    ),
    markdownTable(
      ['ranking', 'questions', 'recall@1', 'recall@5', 'recall@10', 'MRR@10'],
      RANKINGS.flatMap(([ranking, label]) =>
        SCOPES.map((scope) => [
          scope === 'overall' ? label : `↳ ${scope}`,
          fixed(score(line, ranking, scope, 'questions'), 0),
          fixed(score(line, ranking, scope, 'recallAt.1'), 3),
          fixed(score(line, ranking, scope, 'recallAt.5'), 3),
          fixed(score(line, ranking, scope, 'recallAt.10'), 3),
          fixed(score(line, ranking, scope, 'mrrAt10'), 3),
        ]),
      ),
      ['left', 'right', 'right', 'right', 'right', 'right'],
    ),
  ].join('\n\n');
}
