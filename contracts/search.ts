import { z } from 'zod';
import { MAX_MESSAGE_CHARS } from './chat';
import { tenantSchema } from './identifiers';

/** Passages a chat turn retrieves (and hands the executor): what `memflow search` shows by default. */
export const TURN_PASSAGE_LIMIT = 6;
/** The most passages one `searchIndex` run returns. */
export const MAX_SEARCH_LIMIT = 50;
/** A search query is bounded like a chat message (offline, a turn searches for the message itself). */
export const MAX_SEARCH_QUERY_CHARS = MAX_MESSAGE_CHARS;

/** Reciprocal rank fusion's constant: a hit's fused score is the sum over legs of 1/(RRF_K + its rank there). */
export const RRF_K = 60;

/**
 * Where a hit stood in each leg of the search that found it, counted from 1 among the first N of
 * that leg (N: the search's depth, twice the passages asked for); null when it was not among them.
 * `bm25` is null for every hit of a dense-only collection (Milvus before 2.5 has no BM25).
 */
export interface LegRanks {
  dense: number | null;
  bm25: number | null;
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
  /** The fused (RRF) score of a hybrid collection, the dense similarity of a dense-only one. */
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
  /** Whether the collection fuses a BM25 leg with the dense one (reciprocal rank fusion). */
  hybrid: boolean;
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
