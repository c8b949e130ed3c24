import type { EmbeddingIdentity } from '../../adapters/milvus/vector-store';
import { liveAlias, versionedCollection } from '../ingest/live-index';
import type { LiveIndexDeps } from '../ingest/live-index';
import { updateReindex } from '../../adapters/postgres/reindex-control';
import { indexByCollection, liveIndex, registerIndex, setIndexState } from '../../adapters/postgres/vector-indexes';
import type { ReindexStep } from '../../contracts/reindex';
import { injectFault } from './fault-injection';

export interface TargetCollection {
  collection: string;
  identity: EmbeddingIdentity;
  previousCollection: string;
  previousIdentity: EmbeddingIdentity;
}

/** The new version's collection name: deterministic, so a compensation can find it whatever happened. */
export async function targetCollectionName(deps: LiveIndexDeps, reindexId: number, model: string): Promise<string> {
  const embedder = await deps.embedders.get(model);
  return versionedCollection(deps.collectionPrefix, embedder.identity.model, reindexId);
}

/** Step 1: the versioned collection for the new model, with its embedding identity. Idempotent. */
export async function createTargetCollection(
  deps: LiveIndexDeps,
  input: { reindexId: number; model: string; failAt?: ReindexStep },
): Promise<TargetCollection> {
  const live = await liveIndex(deps.db);
  const previousCollection = (await deps.vectors.resolveAlias(liveAlias(deps.collectionPrefix))) ?? live?.collection;
  if (!live || !previousCollection) throw new Error('There is no live index to re-embed; ingest documents first.');
  const embedder = await deps.embedders.get(input.model);
  const collection = await targetCollectionName(deps, input.reindexId, input.model);
  await deps.vectors.createCollection(collection, embedder.identity);
  await registerIndex(deps.db, {
    collection,
    identity: embedder.identity,
    state: 'preparing',
    reindexId: input.reindexId,
  });
  await updateReindex(deps.db, input.reindexId, { status: 'running', collection, previousCollection });
  injectFault('create', input.failAt);
  return { collection, identity: embedder.identity, previousCollection, previousIdentity: live.identity };
}

/**
 * Compensation of step 1: drop the new collection. Registered before the step runs, so it also
 * cleans up after a step that failed half-way; idempotent, and never drops the live collection.
 */
export async function dropTargetCollection(
  deps: LiveIndexDeps,
  input: { reindexId: number; model: string },
): Promise<void> {
  const collection = await targetCollectionName(deps, input.reindexId, input.model);
  const row = await indexByCollection(deps.db, collection);
  if (row?.state === 'live') throw new Error(`refusing to drop ${collection}: it is live`);
  await deps.vectors.dropCollection(collection);
  if (row) await setIndexState(deps.db, collection, 'dropped');
}

/** Step 2: ingestion now writes to the new collection too. */
export async function enableDualWrite(
  deps: LiveIndexDeps,
  input: { collection: string; failAt?: ReindexStep },
): Promise<void> {
  await setIndexState(deps.db, input.collection, 'building');
  injectFault('dual-write', input.failAt);
}

/** Compensation of step 2 (idempotent): stop writing to the new collection. */
export async function disableDualWrite(deps: LiveIndexDeps, input: { collection: string }): Promise<void> {
  const row = await indexByCollection(deps.db, input.collection);
  if (row?.state === 'building') await setIndexState(deps.db, input.collection, 'preparing');
}
