/**
 * The narrow vector-store interface activities depend on. `MilvusVectorStore` implements it against
 * any Milvus-API server (milvus-lite, Milvus standalone/distributed, Zilliz Cloud).
 */
import type { EmbeddingIdentity } from '../../contracts/embedding';
import type { LegRanks } from '../../contracts/search';

/** One chunk as stored: metadata plus its vector, tagged with the model that produced it. */
export interface ChunkRow {
  id: string;
  tenant: string;
  docId: string;
  docVersion: number;
  ordinal: number;
  text: string;
  title: string;
  source: string;
  headingPath: string;
  embeddingModel: string;
  vector: number[];
}

export type ChunkMeta = Omit<ChunkRow, 'vector' | 'text'> & { text?: string };

/** Structured filters; the store builds the expression itself, so callers never inject one. */
export interface ChunkFilter {
  ids?: string[];
  docIds?: string[];
  sources?: string[];
  /** Only chunks of these (docId, version) pairs' versions, e.g. to hide a version being written. */
  docVersions?: number[];
}

export interface SearchRequest {
  collection: string;
  /** Always enforced: results come from this tenant only. */
  tenant: string;
  vector: number[];
  /** Identity of the model that embedded `vector`; refused unless it matches the collection's. */
  identity: EmbeddingIdentity;
  limit: number;
  filter?: ChunkFilter;
  /**
   * When set and the collection supports it, a BM25 sparse search of this text runs beside the dense
   * one, both `limit` deep, and the two are fused (weighted RRF, `fusedScore` in contracts/search.ts).
   */
  hybridText?: string;
  includeText?: boolean;
}

export interface SearchHit extends ChunkMeta {
  /** The fused score of a hybrid search, the dense similarity of a dense-only one. */
  score: number;
  /** Where the hit stood in each leg (a dense-only search is its one leg); set on every search hit. */
  legs?: LegRanks;
}

export interface CollectionInfo {
  /** The concrete collection (an alias is resolved). */
  name: string;
  identity: EmbeddingIdentity;
  hybrid: boolean;
  /** Whether `tenant` is the collection's partition key (Milvus multi-tenancy); older collections lack it. */
  tenantPartitioned: boolean;
  aliases: string[];
}

/** Counting needs a tenant, or says plainly that it spans all of them (admin totals; no rows leave). */
export type CountScope = { tenant: string; filter?: ChunkFilter } | { allTenants: true };

export interface VectorStore {
  /** Creates the collection (idempotent when it exists with the same identity) and loads it. */
  createCollection(name: string, identity: EmbeddingIdentity): Promise<CollectionInfo>;
  /** Resolves aliases; undefined when neither a collection nor an alias has that name. */
  describeCollection(name: string): Promise<CollectionInfo | undefined>;
  /** Idempotent: false when it did not exist. */
  dropCollection(name: string): Promise<boolean>;
  listCollections(prefix?: string): Promise<string[]>;
  /** Points `alias` at `collection` atomically, creating it if needed. */
  setAlias(alias: string, collection: string): Promise<void>;
  /** The collection behind `alias`, or undefined. */
  resolveAlias(alias: string): Promise<string | undefined>;
  dropAlias(alias: string): Promise<boolean>;
  upsert(collection: string, rows: ChunkRow[]): Promise<number>;
  /** Every read and delete names its tenant; the store refuses one that does not (`INVALID_INPUT`). */
  deleteByIds(collection: string, tenant: string, ids: string[]): Promise<number>;
  deleteWhere(collection: string, tenant: string, filter: ChunkFilter): Promise<number>;
  /** One tenant's hits only: the filter is built by the store, and every hit is checked again. */
  search(request: SearchRequest): Promise<SearchHit[]>;
  /** Pages through one tenant's chunk metadata in id order (limit ≤ 1000). */
  query(
    collection: string,
    options: { tenant: string; filter?: ChunkFilter; limit: number; offset?: number; includeText?: boolean },
  ): Promise<ChunkMeta[]>;
  count(collection: string, scope: CountScope): Promise<number>;
  /**
   * Every tenant's rows with their text, in id order after `afterId`: for moving a collection to a
   * new schema only (activities/chat/memory-store.ts). Never reachable from a turn's input.
   */
  exportRows(collection: string, page: { afterId: string; limit: number }): Promise<ChunkMeta[]>;
  /** Whether a search could run on the collection now (the server has it loaded). */
  isLoaded(name: string): Promise<boolean>;
  /** Loads every collection with the prefix (load state is not persisted by milvus-lite). */
  loadAll(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}
