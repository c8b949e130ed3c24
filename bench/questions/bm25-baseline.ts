/**
 * The lexical baseline for a retrieval question set: Okapi BM25 (k1 = 1.2, b = 0.75) over the
 * whole extracted text of every page memflow would ingest from the folder, one ranking of pages per
 * question, scored as `memflow eval retrieval` scores the engine (page-level recall@1/5/10, MRR@10,
 * overall and per kind). Prints the table and the questions BM25 misses in its top 10; writes nothing.
 *
 * Usage: node --import tsx bench/questions/bm25-baseline.ts --manual <html dir>
 *        [--file bench/questions/postgres-manual.jsonl]
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Bm25Index } from '../../evaluation/bm25';
import { readCorpusPages } from '../../evaluation/corpus-pages';
import { POSTGRES_MANUAL_QUESTIONS } from '../support/question-set';
import { readQuestionFile } from '../../evaluation/question-file';
import { formatTable } from '../support/results';
import { MRR_DEPTH, retrievalTableRows, scoreRetrieval } from '../../contracts/retrieval-metrics';

const USAGE =
  'Usage: node --import tsx bench/questions/bm25-baseline.ts --manual <html dir> [--file bench/questions/postgres-manual.jsonl]';

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
  const questions = readQuestionFile(values.file ?? POSTGRES_MANUAL_QUESTIONS);
  const { pages } = await readCorpusPages(values.manual);
  const index = new Bm25Index(pages.map((p) => ({ source: p.source, text: p.text })));
  const ranked = questions.map((q) => ({
    ...q,
    ranked: index.search(q.question, MRR_DEPTH).map((hit) => hit.source),
  }));
  const report = scoreRetrieval(ranked);
  const { header, rows } = retrievalTableRows(report);
  console.log(`BM25 over ${pages.length} pages, ${questions.length} questions\n\n${formatTable(header, rows)}`);
  const byId = new Map(ranked.map((q) => [q.id, q]));
  console.log(`\nMissed in the top ${MRR_DEPTH} (${report.missedAt[10].length}):`);
  for (const id of report.missedAt[10]) {
    const q = byId.get(id)!;
    console.log(`  ${id} ${q.kind}: expected ${q.expected.join(', ')}; got ${q.ranked.slice(0, 3).join(', ')}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
