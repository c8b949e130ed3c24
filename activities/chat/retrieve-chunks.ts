import type { MessageFilters } from '../../contracts/chat';
import type { LegRanks } from '../../contracts/search';
import { SEARCH_DEPTH, TURN_PASSAGE_LIMIT, fusedScore } from '../../contracts/search';
import type { Pool } from 'pg';
import type { EmbeddingIdentity } from '../../contracts/embedding';
import type { ChunkFilter, SearchHit, VectorStore } from '../../adapters/milvus/vector-store';
import { liveVersions } from '../../adapters/postgres/document-registry';
import type { ChatDeps } from './chat-deps';
import { recallMemories } from './memory-store';
import type { PinnedIndex } from './pin-index';
import { pinIndex } from './pin-index';
import { selectPassages } from './select-passages';

export interface RetrieveInput {
  tenant: string;
  queries: string[];
  /** From the caller's message. */
  filters?: MessageFilters;
  /** From the plan: may only narrow by source. */
  planSources?: string[];
  /** Passages to return; a turn takes the default, TURN_PASSAGE_LIMIT. */
  limit?: number;
  /**
   * Also report where each passage stood in the dense and BM25 legs (`memflow search`). The search
   * is the same either way; a turn does not ask, to keep its history small.
   */
  legRanks?: boolean;
}

/** Ids, scores and provenance: the executor loads the texts itself, so history stays small. */
export interface RetrievedPassage {
  chunkId: string;
  docId: string;
  docVersion: number;
  title: string;
  source: string;
  score: number;
  /** Only when the input asked for `legRanks`. */
  legs?: LegRanks;
}

export interface RetrieveResult {
  /** The collection searched, pinned by this step: the turn's only search cannot mix versions across a cutover. */
  index: PinnedIndex;
  passages: RetrievedPassage[];
  memories: string[];
  /** Only when the input asked for `legRanks`: how the passages were searched. */
  search?: {
    /** Whether the collection fuses a BM25 leg with the dense one. */
    hybrid: boolean;
    /** How deep each leg was searched (leg ranks count within it). */
    legDepth: number;
  };
}

function combineFilters(filters: MessageFilters | undefined, planSources: string[] | undefined): ChunkFilter {
  const sources =
    filters?.sources && planSources
      ? filters.sources.filter((s) => planSources.includes(s))
      : (filters?.sources ?? planSources);
  return { ...(filters?.docIds ? { docIds: filters.docIds } : {}), ...(sources ? { sources } : {}) };
}

export interface RankedSearch {
  collection: string;
  /** The model that embedded `vectors`: the collection's. */
  identity: EmbeddingIdentity;
  tenant: string;
  queries: string[];
  /** One per query, in order. */
  vectors: number[][];
  filter?: ChunkFilter;
  /** Passages to return. */
  limit: number;
}

/**
 * A turn's ranking of one collection: each query's dense and BM25 legs SEARCH_DEPTH deep, fused
 * (with several queries a chunk counts at its best), the tenant's own rows of live document
 * versions only, and the passages taken from the top, spread across documents (`selectPassages`).
 * The re-embed gate scores a new collection with the same function.
 */
export async function rankedPassages(
  stores: { db: Pool; vectors: VectorStore },
  search: RankedSearch,
): Promise<SearchHit[]> {
  const best = new Map<string, SearchHit>();
  for (const [i, query] of search.queries.entries()) {
    const hits = await stores.vectors.search({
      collection: search.collection,
      tenant: search.tenant,
      vector: search.vectors[i]!,
      identity: search.identity,
      limit: Math.max(SEARCH_DEPTH, search.limit),
      ...(search.filter ? { filter: search.filter } : {}),
      hybridText: query,
    });
    for (const found of hits) {
      // Ranked by the fused score of its leg ranks, also on a dense-only collection (one leg), so
      // documents are scored alike whatever the collection holds.
      const hit = found.legs ? { ...found, score: fusedScore(found.legs) } : found;
      const seen = best.get(hit.id);
      if (!seen || seen.score < hit.score) best.set(hit.id, hit);
    }
  }
  const live = await liveVersions(stores.db, search.tenant, [...new Set([...best.values()].map((h) => h.docId))]);
  const candidates = [...best.values()].filter((h) => live.get(h.docId) === h.docVersion && h.tenant === search.tenant);
  return selectPassages(candidates, search.limit);
}

/**
 * Pins the live collection, embeds the plan's queries (through the query-embedding cache), searches
 * the pinned collection for this tenant only (the filter is built by code, never by the model),
 * dense and BM25 legs SEARCH_DEPTH deep and fused, keeps only the live version of each document,
 * takes the passages from the top of that one ranking spread across documents (`selectPassages`)
 * and recalls long-term memories.
 */
export async function retrieveChunks(deps: ChatDeps, input: RetrieveInput): Promise<RetrieveResult> {
  const limit = input.limit ?? TURN_PASSAGE_LIMIT;
  const index = await pinIndex(deps);
  const embedder = await deps.embedders.get(index.identity.model);
  const vectors = await deps.queryCache.getOrEmbed(embedder, input.queries);
  const filter = combineFilters(input.filters, input.planSources);
  const ranked = await rankedPassages(deps, {
    collection: index.collection,
    identity: embedder.identity,
    tenant: input.tenant,
    queries: input.queries,
    vectors,
    filter,
    limit,
  });
  const passages = ranked.map((h) => ({
    chunkId: h.id,
    docId: h.docId,
    docVersion: h.docVersion,
    title: h.title,
    source: h.source,
    score: h.score,
    ...(input.legRanks && h.legs ? { legs: h.legs } : {}),
  }));
  const memories = input.queries[0] ? await recallMemories(deps, input.tenant, input.queries[0]) : [];
  if (!input.legRanks) return { index, passages, memories };
  const hybrid = (await deps.vectors.describeCollection(index.collection))?.hybrid ?? false;
  return { index, passages, memories, search: { hybrid, legDepth: SEARCH_DEPTH } };
}
