import type { RankingName, RetrievalEvaluation } from '../evaluation/evaluate-retrieval';
import { RANKINGS, missedQuestions } from '../evaluation/evaluate-retrieval';
import { retrievalTableRows } from '../contracts/retrieval-metrics';
import { cell, textTable } from './text-table';

export interface EvaluationOutput extends RetrievalEvaluation {
  tenant: string;
  questionsFile: string;
  baselineSource: 'registry' | 'manual';
}

function rankingLabel(name: RankingName, e: EvaluationOutput): string {
  switch (name) {
    case 'engine':
      return `engine, top ${e.depth} passages`;
    case 'passages':
      return `a turn's ${e.turnLimit} passages`;
    case 'citations': {
      const kinds = (['extractive', 'llm'] as const).filter((k) => e.answerKinds[k] > 0);
      return `answer citations (${kinds.join(' + ') || 'no answers'})`;
    }
    case 'bm25':
      return `BM25, ${e.baselineDocuments} ${e.baselineSource === 'manual' ? 'manual pages' : 'documents'}`;
  }
}

const rank = (r: number | null) => (r === null ? '–' : String(r));

/**
 * The scores of each ranking (overall and per kind), then every question some ranking misses in
 * its first 10 documents, with each ranking's page rank and the engine's first documents.
 */
export function formatRetrievalEvaluation(e: EvaluationOutput): string {
  const kinds = Object.entries(e.rankings.engine.byKind)
    .map(([kind, s]) => `${s.questions} ${kind}`)
    .join(', ');
  const rows = RANKINGS.flatMap((name) =>
    retrievalTableRows(e.rankings[name]).rows.map((r, i) => [i === 0 ? rankingLabel(name, e) : '', ...r]),
  );
  const header = ['ranking', ...retrievalTableRows(e.rankings.engine).header];
  const missed = missedQuestions(e, 10);
  const lines = [
    `Retrieval of tenant ${e.tenant} over ${e.questions} question${e.questions === 1 ? '' : 's'} (${kinds}) from ${e.questionsFile}`,
    `  index ${e.collections.join(', ')} (${e.models.join(', ')})`,
    '',
    textTable(header, rows, new Set([2, 3, 4, 5, 6])),
    '',
    '  Scores are by document: a ranking counts each document once, at its first passage. recall@k: an',
    '  expected document among the first k; MRR@10: the mean of 1/rank within 10 (0 beyond).',
    '',
  ];
  if (missed.length === 0) {
    lines.push('Every ranking finds an expected document of every question in its first 10.');
  } else {
    lines.push(
      `Missed in the first 10 by some ranking (${missed.length}): page ranks, – = not found`,
      textTable(
        ['id', 'kind', 'expected', 'engine', 'passages', 'citations', 'BM25', "engine's first documents"],
        missed.map((q) => [
          cell(q.id),
          q.kind,
          cell(q.expected.join(' '), 48),
          rank(q.ranks.engine),
          rank(q.ranks.passages),
          rank(q.ranks.citations),
          rank(q.ranks.bm25),
          cell(q.first.engine.join(' '), 72),
        ]),
        new Set([3, 4, 5, 6]),
      ),
    );
  }
  return lines.join('\n');
}
