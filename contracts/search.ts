import { z } from 'zod';
import { MAX_MESSAGE_CHARS } from './chat';
import { tenantSchema } from './identifiers';

/**
 * Passages a chat turn retrieves (and hands the executor): what `memflow search` shows by default.
 * They cover the TURN_DOCUMENTS best documents (see `selectPassages`).
 */
export const TURN_PASSAGE_LIMIT = 8;
/** Documents a turn's passages come from: each one's best chunk, then the first ones' second best. */
export const TURN_DOCUMENTS = 5;
/**
 * How deep each leg of a search goes, whatever the passages asked for: they are taken from the top
 * of this one fused ranking, so a turn's few and a 50-passage debugging search agree on the order.
 */
export const SEARCH_DEPTH = 50;
/** The most passages one `searchIndex` run returns. */
export const MAX_SEARCH_LIMIT = 50;
/** A search query is bounded like a chat message (offline, a turn searches for the message itself). */
export const MAX_SEARCH_QUERY_CHARS = MAX_MESSAGE_CHARS;

/**
 * Where a search's lexical leg comes from. `postgres` (the default): PostgreSQL full-text search over
 * the registry's chunk text, which any Milvus version (and Zilliz) pairs with; `milvus`: Milvus's own
 * BM25, on collections created with a BM25 function (Milvus ≥ 2.5, milvus-lite); a collection
 * without one is then searched dense only. Chosen by bench/manual-search.ts on the whole manual.
 */
export const LEXICAL_LEGS = ['postgres', 'milvus'] as const;
export type LexicalLeg = (typeof LEXICAL_LEGS)[number];

/**
 * Weighted reciprocal rank fusion of the dense and lexical legs: a chunk's fused score is
 * `DENSE_WEIGHT/(RRF_K + dense rank) + LEXICAL_WEIGHT/(RRF_K + lexical rank)` (a leg it is not in
 * adds 0). The dense leg weighs more: on the PostgreSQL-manual question set (bench/questions) it
 * finds the paraphrased questions' pages that a lexical leg cannot, and equal weights lost it the top
 * rank.
 */
export const RRF_K = 60;
export const DENSE_WEIGHT = 1.5;
export const LEXICAL_WEIGHT = 1;
/**
 * A document's score is its chunks' fused scores, best first, each worth DOCUMENT_SCORE_DECAY times
 * the one before (Σ decay^i · score_i): a page that several chunks match ranks above one that a
 * single chunk matches as well, without a long page winning by length alone.
 */
export const DOCUMENT_SCORE_DECAY = 0.7;

/** A chunk's fused score from its ranks in the two legs (null: not among the leg's first SEARCH_DEPTH). */
export function fusedScore(legs: LegRanks): number {
  return (
    (legs.dense === null ? 0 : DENSE_WEIGHT / (RRF_K + legs.dense)) +
    (legs.lexical === null ? 0 : LEXICAL_WEIGHT / (RRF_K + legs.lexical))
  );
}

/**
 * Where a hit stood in each leg of the search that found it, counted from 1 among the first N of
 * that leg (N: the search's depth, SEARCH_DEPTH for a turn); null when it was not among them.
 * `lexical` is null for every hit of a dense-only search (the `milvus` lexical leg on a collection
 * without BM25, e.g. Milvus before 2.5).
 */
export interface LegRanks {
  dense: number | null;
  lexical: number | null;
}

/** What the `searchIndex` workflow takes; it parses its own input with this (other SDKs start it too). */
export const searchIndexInputSchema = z.strictObject({
  tenant: tenantSchema,
  query: z
    .string({ required_error: 'query is required', invalid_type_error: 'query must be a string' })
    .refine((q) => q.trim() !== '', 'the query is empty')
    .refine(
      (q) => q.length <= MAX_SEARCH_QUERY_CHARS,
      (q) => ({ message: `the query is ${q.length} characters; the limit is ${MAX_SEARCH_QUERY_CHARS}` }),
    ),
  limit: z
    .number({ invalid_type_error: 'limit must be a whole number' })
    .int('limit must be a whole number')
    .min(1, 'limit is at least 1')
    .max(MAX_SEARCH_LIMIT, `limit is at most ${MAX_SEARCH_LIMIT}`)
    .optional(),
});
export type SearchIndexInput = z.infer<typeof searchIndexInputSchema>;

/** One passage as a turn would get it, with where it stood in each leg. */
export interface SearchIndexHit {
  /** Position in what the turn gets (from 1). */
  rank: number;
  chunkId: string;
  docId: string;
  docVersion: number;
  title: string;
  source: string;
  /**
   * The chunk's fused score, weighted RRF over its leg ranks (`fusedScore`; a dense-only search
   * has one leg). Hits come grouped by document, documents ranked by DOCUMENT_SCORE_DECAY.
   */
  score: number;
  legs: LegRanks;
}

export interface SearchIndexResult {
  tenant: string;
  query: string;
  limit: number;
  /** The concrete collection searched (the live alias, pinned as a turn pins it) and its model. */
  collection: string;
  model: string;
  /** The lexical leg fused with the dense one (reciprocal rank fusion); null: dense only. */
  lexical: LexicalLeg | null;
  /** How deep each leg was searched: leg ranks count within this many. */
  legDepth: number;
  hits: SearchIndexHit[];
  /** The tenant's long-term memories the same retrieval recalled. */
  memories: string[];
}

/** Readable in the Temporal UI; the suffix keeps two searches in the same millisecond apart. */
export function searchWorkflowId(tenant: string, at: Date, suffix: string): string {
  return `search/${tenant}/${at.toISOString()}-${suffix}`;
}
