import type { LiveIndexDeps } from '../ingest/live-index';
import { liveAlias } from '../ingest/live-index';
import type { ReindexStatus } from '../../adapters/postgres/reindex-control';
import { updateReindex } from '../../adapters/postgres/reindex-control';
import { indexByCollection, setIndexState } from '../../adapters/postgres/vector-indexes';
import type { ReindexStep } from '../../contracts/reindex';
import { injectFault } from './fault-injection';

/**
 * Step 5: one atomic alias swap makes the new collection live. Turns pin the concrete collection at
 * their start, so a turn in flight finishes on the old one; the old one stays written (retained).
 */
export async function cutover(
  deps: LiveIndexDeps,
  input: { reindexId: number; collection: string; previousCollection: string; failAt?: ReindexStep },
): Promise<void> {
  await setIndexState(deps.db, input.previousCollection, 'retained');
  await setIndexState(deps.db, input.collection, 'live');
  await deps.vectors.setAlias(liveAlias(deps.collectionPrefix), input.collection);
  await updateReindex(deps.db, input.reindexId, { status: 'cutover' });
  injectFault('cutover', input.failAt);
}

/** Compensation of step 5, and `rollback`: the alias back on the previous collection. Idempotent. */
export async function revertCutover(
  deps: LiveIndexDeps,
  input: { reindexId: number; collection: string; previousCollection: string; status?: ReindexStatus },
): Promise<void> {
  await deps.vectors.setAlias(liveAlias(deps.collectionPrefix), input.previousCollection);
  await setIndexState(deps.db, input.previousCollection, 'live');
  const row = await indexByCollection(deps.db, input.collection);
  if (row && row.state !== 'dropped') await setIndexState(deps.db, input.collection, 'building');
  if (input.status) await updateReindex(deps.db, input.reindexId, { status: input.status });
}

/** Step 6: the run is complete; the previous version is retained for rollback until its retention ends. */
export async function finishReindex(
  deps: LiveIndexDeps,
  input: { reindexId: number; failAt?: ReindexStep },
): Promise<void> {
  injectFault('finish', input.failAt);
  await updateReindex(deps.db, input.reindexId, { status: 'completed', error: null, completed: true });
}

/** After retention: drop a version nobody serves (idempotent; refuses the live one). */
export async function dropRetained(deps: LiveIndexDeps, input: { collection: string }): Promise<boolean> {
  const row = await indexByCollection(deps.db, input.collection);
  if (!row || row.state === 'live' || row.state === 'dropped') return false;
  await deps.vectors.dropCollection(input.collection);
  await setIndexState(deps.db, input.collection, 'dropped');
  return true;
}

export async function markReindex(
  deps: LiveIndexDeps,
  input: { reindexId: number; status: ReindexStatus; error?: string | null },
): Promise<void> {
  await updateReindex(deps.db, input.reindexId, {
    status: input.status,
    ...(input.error !== undefined ? { error: input.error } : {}),
  });
}
