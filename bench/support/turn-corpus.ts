/**
 * What the tenant of the turn benchmarks (latency-budget, turn-throughput) holds and what its turns
 * ask. `manual`: the PostgreSQL 15 manual (about 1,170 pages, ~13k chunks; `--docs N` takes the
 * first N pages), asked the questions of bench/questions/postgres-manual.jsonl — the size at which
 * search costs what it costs in use. `fixtures`: test/fixtures/corpus (19 chunks) and six questions
 * about it, the small-corpus floor. Either is ingested untimed through the product's ingest workflow
 * (`MemflowClient.ingest`), with progress lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expandPaths } from '../../client/expand-paths';
import { ingestProgress } from '../../client/ingest';
import type { MemflowClient } from '../../client/memflow-client';
import type { MemflowConfig } from '../../config/config';
import { parseRetrievalQuestions } from '../../contracts/retrieval-questions';
import { fetchPostgresDocs } from '../../cli/postgres-docs-corpus';
import { CORPUS } from '../../test/support/chat-harness';
import { FIXTURE_QUESTIONS } from './search-load';
import { UsageError } from './cli-options';

export const TURN_CORPORA = ['manual', 'fixtures'] as const;
export type TurnCorpus = (typeof TURN_CORPORA)[number];

/** The questions over the manual: the same file `memflow eval retrieval` scores against. */
export const MANUAL_QUESTIONS_FILE = path.resolve(__dirname, '..', 'questions', 'postgres-manual.jsonl');
/** How many questions a `cached` / `repeat` load cycles through (warmed, so the query cache answers). */
export const CACHED_QUESTION_COUNT = 6;

/** `--corpus manual|fixtures` (default manual) and `--docs N` (manual only: the first N pages). */
export function corpusOptions(
  corpus: string | undefined,
  docs: string | undefined,
): { corpus: TurnCorpus; docs?: number } {
  const name = corpus ?? 'manual';
  if (!(TURN_CORPORA as readonly string[]).includes(name))
    throw new UsageError(`--corpus must be one of ${TURN_CORPORA.join(', ')}, got ${JSON.stringify(corpus)}.`);
  if (docs === undefined) return { corpus: name as TurnCorpus };
  const n = Number(docs);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--docs must be an integer ≥ 1, got ${JSON.stringify(docs)}.`);
  if (name !== 'manual') throw new UsageError('--docs applies to --corpus manual only.');
  return { corpus: 'manual', docs: n };
}

/** The question texts a corpus's turns ask, in a fixed order. */
export function corpusQuestions(corpus: TurnCorpus): string[] {
  if (corpus === 'fixtures') return [...FIXTURE_QUESTIONS];
  const parsed = parseRetrievalQuestions(fs.readFileSync(MANUAL_QUESTIONS_FILE, 'utf8'));
  if (!parsed.ok) throw new Error(`${MANUAL_QUESTIONS_FILE}: ${parsed.message}`);
  return parsed.value.map((q) => q.question);
}

/**
 * New questions one after another: the set in order, then the set again with ` (again N)` appended,
 * so no text repeats and every query embedding misses the cache.
 */
export function questionCycle(questions: readonly string[]): () => string {
  let next = 0;
  return () => {
    const i = next++;
    const round = Math.floor(i / questions.length);
    const q = questions[i % questions.length]!;
    return round === 0 ? q : `${q} (again ${round})`;
  };
}

export interface IngestedCorpus {
  corpus: TurnCorpus;
  /** Documents named to the ingest; `docs` when `--docs` took fewer than the whole manual. */
  documents: number;
  docs?: number;
  /** Live chunks the tenant holds afterwards. */
  chunks: number;
  failed: number;
  seconds: number;
}

/**
 * Ingests the corpus into `tenant` through the ingest workflow and waits for it, logging progress
 * every 15 s. Nothing here is timed by the benchmarks. `base` is the configuration the private
 * stack was made from (its home holds the fetched manual).
 */
export async function ingestTurnCorpus(
  client: MemflowClient,
  base: MemflowConfig,
  tenant: string,
  options: { corpus: TurnCorpus; docs?: number },
  log: (line: string) => void,
): Promise<IngestedCorpus> {
  const started = performance.now();
  const dir = options.corpus === 'fixtures' ? CORPUS : fetchPostgresDocs(base, log);
  const all = expandPaths([dir]).files;
  const files = options.docs === undefined ? all : all.slice(0, options.docs);
  log(
    `ingesting ${options.corpus === 'fixtures' ? 'test/fixtures/corpus' : 'the PostgreSQL manual'}: ${files.length} of ${all.length} documents into ${tenant} (untimed)`,
  );
  const { handle } = await client.ingest({ tenant, paths: files, baseDir: dir });
  const stopPolling = new AbortController();
  const polling = (async () => {
    try {
      for (;;) {
        await sleep(15_000, undefined, { signal: stopPolling.signal });
        const p = await ingestProgress(handle).catch(() => undefined);
        // The run's progress moves when a batch of documents completes; the clock here does not wait.
        if (p)
          log(
            `ingest: ${p.documentsDone}/${p.documentsTotal} documents, ${p.chunksWritten} chunks ` +
              `(${p.chunksPerSecond.toFixed(1)} chunks/s), ${Math.round((performance.now() - started) / 1000)}s so far`,
          );
      }
    } catch {
      // aborted: the ingest is over
    }
  })();
  let result;
  try {
    result = await handle.result();
  } finally {
    stopPolling.abort();
    await polling;
  }
  if (result.chunksWritten === 0) throw new Error(`Ingesting ${dir} wrote no chunks.`);
  const seconds = (performance.now() - started) / 1000;
  log(
    `ingested ${result.chunksWritten} chunks from ${result.documentsTotal} documents (${result.failed} failed) in ${seconds.toFixed(1)}s`,
  );
  return {
    corpus: options.corpus,
    documents: files.length,
    ...(options.docs !== undefined ? { docs: options.docs } : {}),
    chunks: result.chunksWritten,
    failed: result.failed,
    seconds: Math.round(seconds * 10) / 10,
  };
}
