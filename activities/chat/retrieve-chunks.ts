import type { MessageFilters } from '../../contracts/chat';
import type { LegRanks, LexicalLeg } from '../../contracts/search';
import { SEARCH_DEPTH, TURN_PASSAGE_LIMIT, fusedScore } from '../../contracts/search';
import { DENSE_FLOOR, FULLTEXT_FLOOR, aboveFloor, fuseLegs } from '../../adapters/milvus/fuse-legs';
import { searchChunkText } from '../../adapters/postgres/chunk-text-search';
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
   * Also report where each passage stood in the dense and lexical legs (`memflow search`). The search
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
    /** The lexical leg fused with the dense one; null: dense only. */
    lexical: LexicalLeg | null;
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

/** A ranked chunk of a turn's search: either leg's metadata (no vector, no text), with its leg ranks. */
export type RankedChunk = Pick<
  SearchHit,
  'id' | 'tenant' | 'docId' | 'docVersion' | 'ordinal' | 'title' | 'source' | 'headingPath'
> & { score: number; legs: LegRanks };

/** What a search reads: the registry (live versions, the `postgres` lexical leg) and the vector store. */
export interface RetrievalStores {
  db: Pool;
  vectors: VectorStore;
  /** Where the lexical leg comes from (`MEMFLOW_LEXICAL_LEG`). */
  lexicalLeg: LexicalLeg;
}

/**
 * One query's two legs, `depth` deep (a turn's: SEARCH_DEPTH), fused. The `postgres` lexical leg is the registry's full
 * text (live versions only) searched beside the collection's dense leg; the `milvus` one is the
 * collection's BM25, fused by the store (a collection without BM25 is searched dense only). Each leg
 * keeps only hits down to its floor's share of its best (fuse-legs.ts).
 */
export async function searchLegs(
  stores: RetrievalStores,
  search: RankedSearch,
  query: string,
  vector: number[],
  depth: number,
): Promise<RankedChunk[]> {
  const request = {
    collection: search.collection,
    tenant: search.tenant,
    vector,
    identity: search.identity,
    limit: depth,
    ...(search.filter ? { filter: search.filter } : {}),
  };
  if (stores.lexicalLeg === 'milvus') {
    // Ranked by the fused score of its leg ranks, also on a dense-only collection (one leg), so
    // documents are scored alike whatever the collection holds.
    const hits = await stores.vectors.search({ ...request, hybridText: query });
    return hits.map((h) => {
      const legs = h.legs ?? { dense: null, lexical: null };
      return { ...h, legs, score: fusedScore(legs) };
    });
  }
  const [dense, lexical] = await Promise.all([
    stores.vectors.search(request),
    searchChunkText(stores.db, {
      tenant: search.tenant,
      text: query,
      limit: depth,
      ...(search.filter ? { filter: search.filter } : {}),
    }),
  ]);
  const higherIsBetter = search.identity.metric !== 'L2';
  return fuseLegs(aboveFloor(dense, DENSE_FLOOR, higherIsBetter), aboveFloor(lexical, FULLTEXT_FLOOR, true))
    .slice(0, depth)
    .map((h) => ({
      id: h.id,
      tenant: h.tenant,
      docId: h.docId,
      docVersion: h.docVersion,
      ordinal: h.ordinal,
      title: h.title,
      source: h.source,
      headingPath: h.headingPath,
      score: h.score,
      legs: h.legs,
    }));
}

/**
 * A turn's ranking of one collection: each query's dense and lexical legs SEARCH_DEPTH deep, fused
 * (with several queries a chunk counts at its best), the tenant's own rows of live document
 * versions only, and the passages taken from the top, spread across documents (`selectPassages`).
 * The re-embed gate scores a new collection with the same function.
 */
export async function rankedPassages(stores: RetrievalStores, search: RankedSearch): Promise<RankedChunk[]> {
  const depth = Math.max(SEARCH_DEPTH, search.limit);
  const perQuery = await Promise.all(
    search.queries.map((query, i) => searchLegs(stores, search, query, search.vectors[i]!, depth)),
  );
  const best = new Map<string, RankedChunk>();
  for (const hit of perQuery.flat()) {
    const seen = best.get(hit.id);
    if (!seen || seen.score < hit.score) best.set(hit.id, hit);
  }
  const live = await liveVersions(stores.db, search.tenant, [...new Set([...best.values()].map((h) => h.docId))]);
  const candidates = [...best.values()].filter((h) => live.get(h.docId) === h.docVersion && h.tenant === search.tenant);
  return selectPassages(candidates, search.limit);
}

/**
 * Pins the live collection, embeds the plan's queries (through the query-embedding cache), searches
 * the pinned collection for this tenant only (the filter is built by code, never by the model),
 * dense and lexical legs SEARCH_DEPTH deep and fused, keeps only the live version of each document,
 * takes the passages from the top of that one ranking spread across documents (`selectPassages`)
 * and, at the same time, recalls long-term memories.
 */
export async function retrieveChunks(deps: ChatDeps, input: RetrieveInput): Promise<RetrieveResult> {
  const limit = input.limit ?? TURN_PASSAGE_LIMIT;
  const index = await pinIndex(deps);
  const embedder = await deps.embedders.get(index.identity.model);
  const vectors = await deps.queryCache.getOrEmbed(embedder, input.queries);
  const filter = combineFilters(input.filters, input.planSources);
  const [ranked, memories] = await Promise.all([
    rankedPassages(deps, {
      collection: index.collection,
      identity: embedder.identity,
      tenant: input.tenant,
      queries: input.queries,
      vectors,
      filter,
      limit,
    }),
    input.queries[0] ? recallMemories(deps, input.tenant, input.queries[0]) : Promise.resolve([]),
  ]);
  const passages = ranked.map((h) => ({
    chunkId: h.id,
    docId: h.docId,
    docVersion: h.docVersion,
    title: h.title,
    source: h.source,
    score: h.score,
    ...(input.legRanks ? { legs: h.legs } : {}),
  }));
  if (!input.legRanks) return { index, passages, memories };
  return {
    index,
    passages,
    memories,
    search: { lexical: await lexicalLegOf(deps, index.collection), legDepth: SEARCH_DEPTH },
  };
}

/** The lexical leg a search of `collection` fuses: none when Milvus's BM25 is asked of a collection without it. */
async function lexicalLegOf(deps: ChatDeps, collection: string): Promise<LexicalLeg | null> {
  if (deps.lexicalLeg === 'postgres') return 'postgres';
  return (await deps.vectors.describeCollection(collection))?.hybrid ? 'milvus' : null;
}
