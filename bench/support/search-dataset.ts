/**
 * The data and queries of bench/search.ts, generated once per run so every Milvus flavor gets the
 * same chunks and the same queries: N clustered unit vectors, each with a random tenant of T, and
 * warm-up plus timed queries near random centroids, each with a random tenant. Seeded: the same
 * options give the same values on every machine and in every run.
 */
import type { ChunkRow } from '../../adapters/milvus/vector-store';
import type { EmbeddingIdentity } from '../../contracts/embedding';
import { clusteredSpace, exactTopK, seededRandom } from './synthetic-vectors';

export const K = 10;
export const CLUSTERS = 200;
/** Noise norm relative to the unit centroid: same-cluster cosine ≈ 0.5, like related passages. */
export const NOISE = 1;
export const SEED = 20261123;
export const WARMUP_QUERIES = 20;

export interface SearchQuery {
  vector: Float32Array;
  tenant: number;
}

export interface SearchDataset {
  identity: EmbeddingIdentity;
  tenantNames: string[];
  vectors: Float32Array[];
  /** Chunk indexes per tenant. */
  byTenant: number[][];
  warmup: SearchQuery[];
  timed: SearchQuery[];
  /** Chunk `i` as the adapter stores it (id `c<i>`). */
  row(i: number): ChunkRow;
  /** The exact top-K chunk ids of a query among its tenant's chunks (brute force, the ground truth). */
  exactIds(query: SearchQuery): Set<string>;
}

export function searchDataset(options: {
  chunks: number;
  tenants: number;
  queries: number;
  dim: number;
}): SearchDataset {
  const identity: EmbeddingIdentity = { model: `synthetic-${options.dim}`, dim: options.dim, metric: 'COSINE' };
  const space = clusteredSpace({ dim: options.dim, clusters: CLUSTERS, noise: NOISE, seed: SEED });
  const tenantNames = Array.from({ length: options.tenants }, (_, i) => `tenant${i}`);
  const pick = seededRandom(SEED + 1); // tenants of chunks, then of queries
  const randomTenant = () => Math.floor(pick() * options.tenants);
  const vectors: Float32Array[] = [];
  const byTenant: number[][] = tenantNames.map(() => []);
  for (let i = 0; i < options.chunks; i += 1) {
    vectors.push(space.sample().vector);
    byTenant[randomTenant()]!.push(i);
  }
  const tenantOf = new Int32Array(options.chunks);
  byTenant.forEach((ids, t) => ids.forEach((i) => (tenantOf[i] = t)));
  const queries = Array.from({ length: WARMUP_QUERIES + options.queries }, () => ({
    vector: space.sample().vector,
    tenant: randomTenant(),
  }));
  return {
    identity,
    tenantNames,
    vectors,
    byTenant,
    warmup: queries.slice(0, WARMUP_QUERIES),
    timed: queries.slice(WARMUP_QUERIES),
    row: (i) => ({
      id: `c${i}`,
      tenant: tenantNames[tenantOf[i]!]!,
      docId: `d${Math.floor(i / 50)}`,
      docVersion: 1,
      ordinal: i % 50,
      text: `synthetic chunk ${i}`,
      title: '',
      source: 'synthetic',
      headingPath: '',
      embeddingModel: identity.model,
      vector: Array.from(vectors[i]!),
    }),
    exactIds: (query) =>
      new Set(exactTopK(query.vector, vectors, byTenant[query.tenant]!, K).map((e) => `c${e.index}`)),
  };
}
