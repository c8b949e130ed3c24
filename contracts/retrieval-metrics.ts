/**
 * Page-level retrieval scores for a question set: recall@1/5/10 and MRR@10, overall and per kind
 * of question. A ranking is a list of sources, best first, in which a page may repeat (one entry
 * per chunk); only its first appearance counts, so ranks are over distinct sources.
 */
import type { QuestionKind } from './retrieval-questions';

export const RECALL_CUTOFFS = [1, 5, 10] as const;
export type RecallCutoff = (typeof RECALL_CUTOFFS)[number];
/** MRR looks this deep; a first hit further down counts as none. */
export const MRR_DEPTH = 10;

export interface RankedQuestion {
  id: string;
  kind: QuestionKind;
  expected: readonly string[];
  /** Sources as a retriever returned them, best first; repeats allowed. */
  ranked: readonly string[];
}

export interface RetrievalScores {
  questions: number;
  recallAt: Record<RecallCutoff, number>;
  mrrAt10: number;
}

export interface QuestionOutcome {
  id: string;
  kind: QuestionKind;
  /** Position (from 1) of the first expected source among the distinct ranked sources, if any. */
  rank: number | undefined;
}

export interface RetrievalReport {
  overall: RetrievalScores;
  /** Only the kinds the question set has. */
  byKind: Partial<Record<QuestionKind, RetrievalScores>>;
  outcomes: QuestionOutcome[];
  /** Ids of the questions with no expected source in the first k distinct sources, per k. */
  missedAt: Record<RecallCutoff, string[]>;
}

/** The first position (from 1) of any of `expected` among the distinct sources of `ranked`. */
export function firstHitRank(expected: readonly string[], ranked: readonly string[]): number | undefined {
  const wanted = new Set(expected);
  const seen = new Set<string>();
  for (const source of ranked) {
    if (seen.has(source)) continue;
    seen.add(source);
    if (wanted.has(source)) return seen.size;
  }
  return undefined;
}

function scoresOf(outcomes: readonly QuestionOutcome[]): RetrievalScores {
  const n = outcomes.length;
  const share = (count: number) => (n === 0 ? 0 : count / n);
  const hitsWithin = (k: number) => outcomes.filter((o) => o.rank !== undefined && o.rank <= k).length;
  const reciprocal = outcomes.reduce(
    (sum, o) => sum + (o.rank !== undefined && o.rank <= MRR_DEPTH ? 1 / o.rank : 0),
    0,
  );
  return {
    questions: n,
    recallAt: { 1: share(hitsWithin(1)), 5: share(hitsWithin(5)), 10: share(hitsWithin(10)) },
    mrrAt10: share(reciprocal),
  };
}

/** Scores every question's ranking against its expected sources. */
export function scoreRetrieval(questions: readonly RankedQuestion[]): RetrievalReport {
  const outcomes = questions.map((q) => ({ id: q.id, kind: q.kind, rank: firstHitRank(q.expected, q.ranked) }));
  const byKind: Partial<Record<QuestionKind, RetrievalScores>> = {};
  for (const kind of new Set(outcomes.map((o) => o.kind))) {
    byKind[kind] = scoresOf(outcomes.filter((o) => o.kind === kind));
  }
  const missed = (k: number) => outcomes.filter((o) => o.rank === undefined || o.rank > k).map((o) => o.id);
  return {
    overall: scoresOf(outcomes),
    byKind,
    outcomes,
    missedAt: { 1: missed(1), 5: missed(5), 10: missed(10) },
  };
}

/** One row per scope (overall, then each kind): questions, recall@1/5/10, MRR@10. */
export function retrievalTableRows(report: Pick<RetrievalReport, 'overall' | 'byKind'>): {
  header: string[];
  rows: string[][];
} {
  const row = (label: string, s: RetrievalScores) => [
    label,
    String(s.questions),
    ...RECALL_CUTOFFS.map((k) => s.recallAt[k].toFixed(3)),
    s.mrrAt10.toFixed(3),
  ];
  const kinds = Object.entries(report.byKind) as [QuestionKind, RetrievalScores][];
  return {
    header: ['scope', 'questions', 'recall@1', 'recall@5', 'recall@10', 'MRR@10'],
    rows: [row('overall', report.overall), ...kinds.map(([kind, s]) => row(kind, s))],
  };
}
