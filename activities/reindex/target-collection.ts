import type { EmbeddingIdentity } from '../../contracts/embedding';
import { MemflowError } from '../../contracts/errors';
import type { ReindexStep } from '../../contracts/reindex';
import { getReindex, updateReindex } from '../../adapters/postgres/reindex-control';
import { indexByCollection, liveIndex, setIndexState } from '../../adapters/postgres/vector-indexes';
import { liveAlias, versionedCollection } from '../../adapters/milvus/collection-names';
import type { LiveIndexDeps } from '../ingest/live-index';
import { createRegisteredCollection } from '../ingest/live-index';
import { injectCompensationFault, injectFault } from './fault-injection';

export interface TargetCollection {
  collection: string;
  identity: EmbeddingIdentity;
  previousCollection: string;
  previousIdentity: EmbeddingIdentity;
}

/**
 * Step 1: the versioned collection for the new model, with its embedding identity. Idempotent. The
 * name is written to the row before the collection exists, so a compensation finds it there
 * whatever happened after.
 */
export async function createTargetCollection(
  deps: LiveIndexDeps,
  input: { reindexId: number; model: string; failAt?: ReindexStep },
): Promise<TargetCollection> {
  const live = await liveIndex(deps.db);
  const previousCollection = (await deps.vectors.resolveAlias(liveAlias(deps.collectionPrefix))) ?? live?.collection;
  if (!live || !previousCollection) {
    throw new MemflowError('NO_LIVE_INDEX', 'There is no live index to re-embed; ingest documents first.');
  }
  const embedder = await deps.embedders.get(input.model);
  const collection = versionedCollection(deps.collectionPrefix, embedder.identity.model, input.reindexId);
  await updateReindex(deps.db, input.reindexId, { collection, previousCollection });
  await createRegisteredCollection(deps, {
    collection,
    identity: embedder.identity,
    state: 'preparing',
    reindexId: input.reindexId,
  });
  injectFault('create', input.failAt);
  return { collection, identity: embedder.identity, previousCollection, previousIdentity: live.identity };
}

/**
 * Compensation of step 1: drop the new collection named in the row. Registered before the step
 * runs, so it also cleans up after a step that failed half-way (no name in the row: nothing was
 * created); idempotent, and never drops the live collection.
 */
export async function dropTargetCollection(
  deps: LiveIndexDeps,
  input: { reindexId: number; failCompensationOf?: ReindexStep },
): Promise<void> {
  injectCompensationFault('create', input.failCompensationOf);
  const collection = (await getReindex(deps.db, input.reindexId))?.collection;
  if (!collection) return;
  const row = await indexByCollection(deps.db, collection);
  if (row?.state === 'live')
    throw new MemflowError('COLLECTION_IS_LIVE', `Refusing to drop ${collection}: it is live.`);
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
export async function disableDualWrite(
  deps: LiveIndexDeps,
  input: { collection: string; failCompensationOf?: ReindexStep },
): Promise<void> {
  injectCompensationFault('dual-write', input.failCompensationOf);
  const row = await indexByCollection(deps.db, input.collection);
  if (row?.state === 'building') await setIndexState(deps.db, input.collection, 'preparing');
}
