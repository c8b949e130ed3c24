import fs from 'node:fs';
import { MemflowError } from '../contracts/errors';
import type { RetrievalQuestion } from '../contracts/retrieval-questions';
import { parseRetrievalQuestions } from '../contracts/retrieval-questions';

/** Questions one evaluation runs: each costs two searches and a chat turn through the worker. */
export const MAX_EVALUATION_QUESTIONS = 1000;
/** Larger question files are refused unread. */
const MAX_QUESTION_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Reads a retrieval question set (JSONL, `contracts/retrieval-questions.ts`): the questions, or
 * `NOT_FOUND` for a file that is not there and `INVALID_INPUT` naming every bad line.
 */
export function readQuestionFile(file: string): RetrievalQuestion[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new MemflowError('NOT_FOUND', `No question file at ${file}.`);
  }
  if (!stat.isFile()) throw new MemflowError('INVALID_INPUT', `${file} is not a file.`);
  if (stat.size > MAX_QUESTION_FILE_BYTES) {
    throw new MemflowError('INVALID_INPUT', `${file} is ${stat.size} bytes; a question file is at most 8 MiB.`);
  }
  const parsed = parseRetrievalQuestions(fs.readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new MemflowError('INVALID_INPUT', `${file}: ${parsed.message}`);
  if (parsed.value.length > MAX_EVALUATION_QUESTIONS) {
    throw new MemflowError(
      'INVALID_INPUT',
      `${file} holds ${parsed.value.length} questions; one evaluation runs at most ${MAX_EVALUATION_QUESTIONS}. Split the file.`,
    );
  }
  return parsed.value;
}
