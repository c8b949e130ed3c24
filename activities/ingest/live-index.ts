import type { Pool } from 'pg';
import { MemflowError } from '../../contracts/errors';
import type { EmbedderRegistry } from '../../adapters/embed/embedder-registry';
import type { VectorStore } from '../../adapters/milvus/vector-store';
import { liveAlias, versionedCollection } from '../../adapters/milvus/collection-names';
import type { IndexState } from '../../adapters/postgres/vector-indexes';
import { liveIndex, registerIndex } from '../../adapters/postgres/vector-indexes';
import type { EmbeddingIdentity } from '../../contracts/embedding';

export interface LiveIndexDeps {
  db: Pool;
  vectors: VectorStore;
  embedders: EmbedderRegistry;
  collectionPrefix: string;
}

export interface LiveIndexInfo {
  alias: string;
  collection: string;
  model: string;
}

/**
 * Makes sure a live index exists: on first use, creates version 0 of the chunk collection for the
 * configured embedding model, registers it and points the alias at it. Idempotent.
 */
export async function ensureLiveIndex(deps: LiveIndexDeps): Promise<LiveIndexInfo> {
  const alias = liveAlias(deps.collectionPrefix);
  const existing = await liveIndex(deps.db);
  if (existing) {
    if (!(await deps.vectors.describeCollection(existing.collection))) {
      // PostgreSQL says this collection is live but the vector store does not have it (a new or
      // wiped Milvus behind an old database): refuse rather than serve or skip documents silently.
      throw new MemflowError(
        'COLLECTION_NOT_FOUND',
        `PostgreSQL lists ${existing.collection} as the live index, but Milvus at this address has no such collection. ` +
          'Point MILVUS_ADDRESS at the Milvus that holds it, or DATABASE_URL at the database that belongs to this Milvus.',
      );
    }
    if ((await deps.vectors.resolveAlias(alias)) === undefined) await deps.vectors.setAlias(alias, existing.collection);
    return { alias, collection: existing.collection, model: existing.identity.model };
  }
  const embedder = await deps.embedders.get(deps.embedders.defaultModel);
  const collection = versionedCollection(deps.collectionPrefix, embedder.identity.model, 0);
  await createRegisteredCollection(deps, { collection, identity: embedder.identity, state: 'live' });
  await deps.vectors.setAlias(alias, collection);
  return { alias, collection, model: embedder.identity.model };
}

/** Creates a chunk collection and records it in the registry with its schema (partitioned or not). */
export async function createRegisteredCollection(
  deps: LiveIndexDeps,
  index: { collection: string; identity: EmbeddingIdentity; state: IndexState; reindexId?: number },
): Promise<void> {
  const info = await deps.vectors.createCollection(index.collection, index.identity);
  await registerIndex(deps.db, { ...index, tenantPartitioned: info.tenantPartitioned });
}
