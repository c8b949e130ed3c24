import { Context } from '@temporalio/activity';
import { errorMessage } from '../../contracts/errors';
import type { CompensationOutcome, ReindexStatus, ReindexStep } from '../../contracts/reindex';
import { updateReindex } from '../../adapters/postgres/reindex-control';
import { indexByCollection, setIndexState } from '../../adapters/postgres/vector-indexes';
import type { LiveIndexDeps } from '../ingest/live-index';
import { liveAlias } from '../../adapters/milvus/collection-names';
import { injectCompensationFault, injectFault } from './fault-injection';

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
  injectFault('cutover', input.failAt);
}

/** Compensation of step 5, and `rollback`: the alias back on the previous collection. Idempotent. */
export async function revertCutover(
  deps: LiveIndexDeps,
  input: { reindexId: number; collection: string; previousCollection: string; failCompensationOf?: ReindexStep },
): Promise<void> {
  injectCompensationFault('cutover', input.failCompensationOf);
  await deps.vectors.setAlias(liveAlias(deps.collectionPrefix), input.previousCollection);
  await setIndexState(deps.db, input.previousCollection, 'live');
  const row = await indexByCollection(deps.db, input.collection);
  if (row && row.state !== 'dropped') await setIndexState(deps.db, input.collection, 'building');
}

/** Step 6: the cutover is final; the previous version is retained for rollback until its retention ends. */
export async function finishReindex(
  deps: LiveIndexDeps,
  input: { reindexId: number; failAt?: ReindexStep },
): Promise<void> {
  injectFault('finish', input.failAt);
  await updateReindex(deps.db, input.reindexId, { error: null, completed: true });
}

/**
 * After retention: drop the previous version, which nobody serves (idempotent; refuses the live
 * one). Retried until it succeeds; meanwhile the row's `pending` says what waits and why.
 */
export async function dropRetained(
  deps: LiveIndexDeps,
  input: { reindexId: number; collection: string; failAt?: ReindexStep },
): Promise<boolean> {
  const task = `drop the previous version ${input.collection}`;
  try {
    injectFault('drop', input.failAt);
    const row = await indexByCollection(deps.db, input.collection);
    let dropped = false;
    if (row && row.state !== 'live' && row.state !== 'dropped') {
      await deps.vectors.dropCollection(input.collection);
      await setIndexState(deps.db, input.collection, 'dropped');
      dropped = true;
    }
    await updateReindex(deps.db, input.reindexId, { pending: null });
    return dropped;
  } catch (err) {
    const attempt = Context.current().info.attempt;
    await updateReindex(deps.db, input.reindexId, {
      pending: `${task}: attempt ${attempt} failed (${errorMessage(err)}); retrying`,
    }).catch(() => undefined); // PostgreSQL may be what failed: the retry records it next time
    throw err;
  }
}

/** The row follows the saga: its status, and what is pending or went wrong. */
export async function recordReindexState(
  deps: LiveIndexDeps,
  input: {
    reindexId: number;
    status: ReindexStatus;
    error?: string | null;
    pending?: string | null;
    compensations?: CompensationOutcome[];
  },
): Promise<void> {
  await updateReindex(deps.db, input.reindexId, {
    status: input.status,
    ...(input.error !== undefined ? { error: input.error } : {}),
    ...(input.pending !== undefined ? { pending: input.pending } : {}),
    ...(input.compensations !== undefined ? { compensations: input.compensations } : {}),
  });
}
