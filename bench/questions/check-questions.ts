/**
 * Checks a retrieval question set against the documents memflow would ingest from a folder (the
 * PostgreSQL manual's HTML): the schema, unique ids, at least 80 questions and half of them
 * paraphrased, every expected source among the ingested pages, and every `fact` verbatim (up to
 * whitespace) in the text memflow extracts from one of its expected pages. For each paraphrased
 * question it shows the content words shared with the page title and fact, so a reader can see it
 * is one. Prints a table; exits 1 when anything fails, 2 on a usage error.
 *
 * Usage: node --import tsx bench/questions/check-questions.ts --manual <html dir>
 *        [--file bench/questions/postgres-manual.jsonl]
 *
 * The manual: `memflow corpus postgres-docs --fetch-only` (into .memflow/corpus/postgres-docs/html), or
 * `apt-get download postgresql-doc-15 && dpkg -x postgresql-doc-15_*.deb x` (x/usr/share/doc/postgresql-doc-15/html).
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { RetrievalQuestion } from '../../contracts/retrieval-questions';
import type { CorpusPage } from '../../evaluation/corpus-pages';
import { normalizeWhitespace, readCorpusPages } from '../../evaluation/corpus-pages';
import {
  POSTGRES_MANUAL_QUESTIONS,
  paraphrasedShare,
  questionSetProblems,
  sharedContentWords,
} from '../support/question-set';
import { readQuestionFile } from '../../evaluation/question-file';

const USAGE =
  'Usage: node --import tsx bench/questions/check-questions.ts --manual <html dir> [--file bench/questions/postgres-manual.jsonl]';

interface QuestionCheck {
  question: RetrievalQuestion;
  problems: string[];
  /** Content words of the question found in the title and fact of the page holding the fact. */
  overlap: { shared: string[]; total: number } | undefined;
}

function checkQuestion(question: RetrievalQuestion, pages: ReadonlyMap<string, CorpusPage>): QuestionCheck {
  const problems: string[] = [];
  const missing = question.expected.filter((source) => !pages.has(source));
  if (missing.length > 0) problems.push(`not an ingested page: ${missing.join(', ')}`);
  const fact = normalizeWhitespace(question.fact);
  const holder = question.expected
    .map((source) => pages.get(source))
    .find((page) => page !== undefined && normalizeWhitespace(page.text).includes(fact));
  if (holder === undefined) problems.push('fact not found verbatim in any expected page');
  const overlap = holder ? sharedContentWords(question.question, `${holder.title}\n${question.fact}`) : undefined;
  return { question, problems, overlap };
}

function row(check: QuestionCheck): string[] {
  const { question, problems, overlap } = check;
  const words =
    overlap === undefined
      ? '–'
      : `${overlap.shared.length}/${overlap.total}${overlap.shared.length > 0 ? ` ${overlap.shared.join(' ')}` : ''}`;
  return [
    question.id,
    question.kind,
    question.topic,
    question.expected.join(' '),
    problems.length === 0 ? 'ok' : problems.join('; '),
    words,
  ];
}

/** Left-aligned columns: every cell here is text. */
function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function meanOverlap(checks: readonly QuestionCheck[]): string {
  const shares = checks.flatMap((c) =>
    c.overlap && c.overlap.total > 0 ? [c.overlap.shared.length / c.overlap.total] : [],
  );
  return shares.length === 0 ? '–' : (shares.reduce((a, b) => a + b, 0) / shares.length).toFixed(2);
}

async function main(): Promise<number> {
  let values: { manual?: string; file?: string };
  try {
    ({ values } = parseArgs({ options: { manual: { type: 'string' }, file: { type: 'string' } } }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.manual === undefined || !fs.existsSync(values.manual)) {
    console.error(`--manual must name the folder of the manual's HTML pages.\n${USAGE}`);
    return 2;
  }
  const file = values.file ?? POSTGRES_MANUAL_QUESTIONS;

  let questions: RetrievalQuestion[];
  try {
    questions = readQuestionFile(file);
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  }
  const { pages, refused } = await readCorpusPages(values.manual);
  const bySource = new Map(pages.map((p) => [p.source, p]));
  const checks = questions.map((q) => checkQuestion(q, bySource));

  console.log(
    textTable(['id', 'kind', 'topic', 'expected', 'check', 'question words in title + fact'], checks.map(row)),
  );
  const failed = checks.filter((c) => c.problems.length > 0);
  const setProblems = questionSetProblems(questions);
  const paraphrased = checks.filter((c) => c.question.kind === 'paraphrased');
  const literal = checks.filter((c) => c.question.kind === 'literal');
  console.log(
    `\n${pages.length} ingested pages (${refused.length} refused) · ${questions.length} questions: ` +
      `${literal.length} literal, ${paraphrased.length} paraphrased (${(paraphrasedShare(questions) * 100).toFixed(1)}%) · ` +
      `${new Set(questions.map((q) => q.topic)).size} topics · ${questions.filter((q) => q.expected.length > 1).length} with two or more expected pages\n` +
      `mean share of question words in title + fact: paraphrased ${meanOverlap(paraphrased)}, literal ${meanOverlap(literal)}`,
  );
  for (const problem of setProblems) console.log(`✗ ${problem}`);
  if (failed.length > 0)
    console.log(`✗ ${failed.length} question(s) failed: ${failed.map((c) => c.question.id).join(', ')}`);
  return failed.length > 0 || setProblems.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
