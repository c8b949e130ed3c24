/**
 * The rules a committed retrieval question set keeps beyond its schema (issue 15): enough questions
 * for recall to move in steps of about one percent, and at least half of them paraphrased, so the
 * score is not just a measure of shared words.
 */
import path from 'node:path';
import type { RetrievalQuestion } from '../../contracts/retrieval-questions';
import { tokenize } from '../../evaluation/bm25';

export const POSTGRES_MANUAL_QUESTIONS = path.resolve(__dirname, '..', 'questions', 'postgres-manual.jsonl');
export const MIN_QUESTIONS = 80;
export const MIN_PARAPHRASED_SHARE = 0.5;

export function paraphrasedShare(questions: readonly RetrievalQuestion[]): number {
  return questions.length === 0 ? 0 : questions.filter((q) => q.kind === 'paraphrased').length / questions.length;
}

/** What keeps `questions` from being a usable set: too few of them, too few paraphrased. */
export function questionSetProblems(questions: readonly RetrievalQuestion[]): string[] {
  const problems: string[] = [];
  if (questions.length < MIN_QUESTIONS)
    problems.push(`${questions.length} questions; at least ${MIN_QUESTIONS} needed`);
  const share = paraphrasedShare(questions);
  if (share < MIN_PARAPHRASED_SHARE) {
    problems.push(`${(share * 100).toFixed(1)}% paraphrased; at least ${MIN_PARAPHRASED_SHARE * 100}% needed`);
  }
  return problems;
}

/**
 * The question's content words (BM25's tokens: stopwords dropped) that also occur in `reference`
 * (the page title and the fact): few of them is what makes a question paraphrased.
 */
export function sharedContentWords(question: string, reference: string): { shared: string[]; total: number } {
  const words = new Set(tokenize(question));
  const referenceWords = new Set(tokenize(reference));
  return { shared: [...words].filter((w) => referenceWords.has(w)), total: words.size };
}
