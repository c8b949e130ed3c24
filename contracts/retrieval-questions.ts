import { z } from 'zod';
import type { Checked } from './input-issues';
import { describeIssues } from './input-issues';
import { relativePathProblem } from './relative-path';

/**
 * A retrieval question set: one JSON object per line (JSONL), each a question and the documents
 * that answer it, named by their source exactly as a search hit or a citation carries it
 * (`sql-vacuum.html`). `memflow eval retrieval --questions FILE.jsonl` scores against it and
 * bench/questions/ holds the one over the PostgreSQL manual.
 */
export const QUESTION_KINDS = ['literal', 'paraphrased'] as const;
/** `literal` may reuse the page's words; `paraphrased` says it the way someone new to the vocabulary would. */
export type QuestionKind = (typeof QUESTION_KINDS)[number];

const source = z.string().superRefine((value, ctx) => {
  const problem = relativePathProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem.message });
});

export const retrievalQuestionSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'an id is 1-64 letters, digits, ".", "_" or "-"'),
  question: z.string().trim().min(1).max(2000),
  /** Every document that fully answers the question; a hit on any of them counts. */
  expected: z
    .array(source)
    .min(1)
    .max(10)
    .refine((list) => new Set(list).size === list.length, 'an expected source is listed twice'),
  kind: z.enum(QUESTION_KINDS),
  /** Copied verbatim from an expected document: the evidence that it answers the question. */
  fact: z.string().trim().min(1).max(2000),
  topic: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a topic is lowercase words joined by "-"'),
});
export type RetrievalQuestion = z.infer<typeof retrievalQuestionSchema>;

const MAX_REPORTED_PROBLEMS = 20;

/**
 * Parses a question set's JSONL text (blank lines are skipped): the questions, or one message
 * naming each bad line by its number and every repeated id.
 */
export function parseRetrievalQuestions(jsonl: string): Checked<RetrievalQuestion[]> {
  const questions: RetrievalQuestion[] = [];
  const problems: string[] = [];
  const lineOfId = new Map<string, number>();
  jsonl.split('\n').forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push(`line ${lineNumber}: not JSON (${(err as Error).message})`);
      return;
    }
    const parsed = retrievalQuestionSchema.safeParse(value);
    if (!parsed.success) {
      problems.push(`line ${lineNumber}: ${describeIssues(parsed.error)}`);
      return;
    }
    const seen = lineOfId.get(parsed.data.id);
    if (seen !== undefined) problems.push(`line ${lineNumber}: id "${parsed.data.id}" is already used on line ${seen}`);
    else lineOfId.set(parsed.data.id, lineNumber);
    questions.push(parsed.data);
  });
  if (problems.length === 0 && questions.length === 0) problems.push('no questions');
  if (problems.length === 0) return { ok: true, value: questions };
  const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
  if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more`);
  return { ok: false, message: `Invalid question set: ${shown.join('; ')}.` };
}
