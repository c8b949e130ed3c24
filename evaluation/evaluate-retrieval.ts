/**
 * A retrieval evaluation: for every question of a set, where its expected documents stand in four
 * rankings, scored page by page (contracts/retrieval-metrics.ts) overall and per kind of question.
 */
import type { QuestionKind, RetrievalQuestion } from '../contracts/retrieval-questions';
import type { Bm25Document } from './bm25';
import { Bm25Index } from './bm25';
import type { RecallCutoff, RetrievalScores } from '../contracts/retrieval-metrics';
import { MRR_DEPTH, firstHitRank, scoreRetrieval } from '../contracts/retrieval-metrics';

/**
 * - `engine`: the retriever's deeper ranking (`depth` passages, as a turn's retriever ranks them);
 * - `passages`: the passages a chat turn gets (the turn's limit);
 * - `citations`: the sources a real turn's answer cites, in marker order;
 * - `bm25`: Okapi BM25 over the same documents' whole text, the lexical baseline.
 */
export const RANKINGS = ['engine', 'passages', 'citations', 'bm25'] as const;
export type RankingName = (typeof RANKINGS)[number];

/** What the evaluation asks of the engine, one question at a time. */
export interface EngineUnderTest {
  /** The retriever as a turn runs it, at `limit` passages: their sources, best first (one per passage). */
  search(question: string, limit: number): Promise<{ sources: string[]; collection: string; model: string }>;
  /** One real chat turn for the question: the sources its answer cites, in marker order. */
  ask(question: RetrievalQuestion): Promise<{ sources: string[]; answerKind: 'llm' | 'extractive' }>;
}

export interface RetrievalEvaluationOptions {
  questions: readonly RetrievalQuestion[];
  engine: EngineUnderTest;
  /** The documents the BM25 baseline ranks: the same ones the tenant's searches can find. */
  baseline: readonly Bm25Document[];
  /** Passages of the engine's deeper ranking. */
  depth: number;
  /** Passages a chat turn gets. */
  turnLimit: number;
  onProgress?: (done: number, total: number) => void;
}

export interface RankingScores {
  overall: RetrievalScores;
  byKind: Partial<Record<QuestionKind, RetrievalScores>>;
  /** Questions with no expected document among the first k distinct ones, per k. */
  missedAt: Record<RecallCutoff, string[]>;
}

export interface QuestionRanks {
  id: string;
  kind: QuestionKind;
  expected: string[];
  /** Page rank (from 1, over distinct sources) of the first expected document; null: not found. */
  ranks: Record<RankingName, number | null>;
  /** Each ranking's first three distinct documents: what came instead. */
  first: Record<RankingName, string[]>;
}

export interface RetrievalEvaluation {
  questions: number;
  depth: number;
  turnLimit: number;
  baselineDocuments: number;
  /** The collections searched (more than one only if a re-embed cut over during the run), and models. */
  collections: string[];
  models: string[];
  /** How the turns answered: by a language model, or extractively (none configured). */
  answerKinds: Record<'llm' | 'extractive', number>;
  rankings: Record<RankingName, RankingScores>;
  perQuestion: QuestionRanks[];
}

/** The first `n` distinct sources of a ranking, in order. */
export function distinctSources(ranked: readonly string[], n: number): string[] {
  return [...new Set(ranked)].slice(0, n);
}

/**
 * Runs every question through the engine (two searches and one chat turn each, one question at a
 * time) and BM25, and scores the four rankings.
 */
export async function evaluateRetrieval(options: RetrievalEvaluationOptions): Promise<RetrievalEvaluation> {
  const { questions, engine, depth, turnLimit } = options;
  const bm25 = new Bm25Index(options.baseline);
  const rankedBy: Record<RankingName, string[][]> = { engine: [], passages: [], citations: [], bm25: [] };
  const collections = new Set<string>();
  const models = new Set<string>();
  const answerKinds = { llm: 0, extractive: 0 };
  for (const [i, q] of questions.entries()) {
    const deep = await engine.search(q.question, depth);
    const turn = await engine.search(q.question, turnLimit);
    const answer = await engine.ask(q);
    for (const searched of [deep, turn]) {
      collections.add(searched.collection);
      models.add(searched.model);
    }
    answerKinds[answer.answerKind] += 1;
    rankedBy.engine.push(deep.sources);
    rankedBy.passages.push(turn.sources);
    rankedBy.citations.push(answer.sources);
    rankedBy.bm25.push(bm25.search(q.question, MRR_DEPTH).map((hit) => hit.source));
    options.onProgress?.(i + 1, questions.length);
  }
  const rankings = {} as Record<RankingName, RankingScores>;
  for (const name of RANKINGS) {
    const { overall, byKind, missedAt } = scoreRetrieval(
      questions.map((q, i) => ({ id: q.id, kind: q.kind, expected: q.expected, ranked: rankedBy[name][i]! })),
    );
    rankings[name] = { overall, byKind, missedAt };
  }
  const perRanking = <T>(f: (name: RankingName) => T) =>
    Object.fromEntries(RANKINGS.map((name) => [name, f(name)])) as Record<RankingName, T>;
  return {
    questions: questions.length,
    depth,
    turnLimit,
    baselineDocuments: options.baseline.length,
    collections: [...collections].sort(),
    models: [...models].sort(),
    answerKinds,
    rankings,
    perQuestion: questions.map((q, i) => ({
      id: q.id,
      kind: q.kind,
      expected: q.expected,
      ranks: perRanking((name) => firstHitRank(q.expected, rankedBy[name][i]!) ?? null),
      first: perRanking((name) => distinctSources(rankedBy[name][i]!, 3)),
    })),
  };
}

/** Questions some ranking misses in its first `k` documents (the list `memflow eval retrieval` prints). */
export function missedQuestions(evaluation: RetrievalEvaluation, k: RecallCutoff = 10): QuestionRanks[] {
  return evaluation.perQuestion.filter((q) => RANKINGS.some((name) => q.ranks[name] === null || q.ranks[name] > k));
}
