import {
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { failure, rootMessage } from '../../contracts/errors';
import type { CompensationOutcome, ReindexInput, ReindexStatus, ReindexStatusView } from '../../contracts/reindex';
import {
  cancelSignal,
  pauseSignal,
  reindexInputSchema,
  resumeSignal,
  rollbackSignal,
  statusQuery,
} from '../../contracts/reindex';
import { parseWorkflowInput } from '../../contracts/identifiers';
import { MemflowState } from '../../contracts/search-attributes';

/** Steps up to the cutover: a step that keeps failing ends the run, and the compensations undo it. */
const steps = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
});
const backfill = proxyActivities<Activities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 20 },
});
/**
 * Compensations: retried for about five minutes (a dependency restart), then given up so the others
 * still run; the row records each outcome. A non-retryable failure (e.g. COLLECTION_IS_LIVE) is
 * recorded at once.
 */
const undo = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 12 },
});
/**
 * After the cutover, and the row's bookkeeping: nothing may revert a finished cutover, so these are
 * retried until they succeed (a dependency may be down for long); the row's `pending` says what waits.
 */
const untilDone = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

class SagaCancelled extends Error {}

/**
 * Re-embeds every live chunk with a new model into a new versioned collection and swaps the live
 * alias to it with no failed search. Up to the cutover each step pushes its compensation as soon as
 * it is taken; any failure (or `cancel`) runs them last-in-first-out, each one even when another
 * fails, and leaves the old version serving. From the cutover on, the new version serves: later
 * steps are retried until they succeed, and only `rollback` (or `cancel`) during retention points
 * the alias back.
 */
export async function reindexSaga(rawInput: ReindexInput): Promise<ReindexStatusView> {
  // Another SDK or the `temporal` CLI may start a saga too: nothing runs before its input is valid.
  const input = parseWorkflowInput(reindexInputSchema, rawInput, 'reindexSaga input');
  const options = input.options ?? {};
  const view: ReindexStatusView = {
    reindexId: input.reindexId,
    targetVersion: input.targetVersion,
    model: input.model,
    state: 'creating',
    backfilled: 0,
    paused: false,
    compensations: [],
  };
  let cancelReason: string | undefined;
  let rollbackRequested = false;
  const compensations: { name: string; run: () => Promise<unknown> }[] = [];
  const setState = async (state: ReindexStatus, row: { error?: string | null; pending?: string | null } = {}) => {
    view.state = state;
    upsertSearchAttributes([{ key: MemflowState, value: state }]);
    await untilDone.recordReindexState({ reindexId: input.reindexId, status: state, ...row });
  };

  setHandler(statusQuery, () => view);
  setHandler(pauseSignal, () => void (view.paused = true));
  setHandler(resumeSignal, () => void (view.paused = false));
  // Signals have no validator: anything another SDK sends is reduced to a bounded, single-line reason.
  setHandler(cancelSignal, (signal) => {
    const reason = (signal as { reason?: unknown } | undefined)?.reason;
    cancelReason =
      typeof reason === 'string' && reason.trim() !== ''
        ? reason.replace(/\s+/g, ' ').trim().slice(0, 500)
        : 'cancelled by an admin';
  });
  setHandler(rollbackSignal, () => void (rollbackRequested = true));

  const checkpoint = async () => {
    if (view.paused && cancelReason === undefined) {
      const resumedFrom = view.state;
      await setState('paused');
      await condition(() => !view.paused || cancelReason !== undefined);
      await setState(resumedFrom);
    }
    if (cancelReason !== undefined) throw new SagaCancelled(cancelReason);
  };

  let target: Awaited<ReturnType<Activities['createTargetCollection']>>;
  try {
    await setState('creating');
    // Pushed first: the step may fail half-way, and dropping a collection never made is a no-op.
    compensations.push({
      name: 'drop the new collection',
      run: () =>
        undo.dropTargetCollection({ reindexId: input.reindexId, failCompensationOf: options.failCompensationOf }),
    });
    target = await steps.createTargetCollection({
      reindexId: input.reindexId,
      model: input.model,
      failAt: options.failAt,
    });
    const collection = target.collection;
    view.collection = collection;
    view.previousCollection = target.previousCollection;
    await checkpoint();

    await setState('dual-write');
    compensations.push({
      name: 'turn dual-write off',
      run: () => undo.disableDualWrite({ collection, failCompensationOf: options.failCompensationOf }),
    });
    await steps.enableDualWrite({ collection, failAt: options.failAt });
    const backfillStartedAt = new Date().toISOString();

    await setState('backfilling');
    const backfillPass = async (changedSince?: string) => {
      for (let cursor = ''; ;) {
        await checkpoint();
        const page = await backfill.backfillPage({
          collection,
          model: input.model,
          afterChunkId: cursor,
          pageSize: options.pageSize ?? 512,
          batchSize: options.batchSize ?? 32,
          throttleMs: changedSince ? 0 : (options.throttleMs ?? 0),
          changedSince,
          failAt: changedSince ? undefined : options.failAt,
        });
        if (!changedSince) view.backfilled += page.processed;
        cursor = page.lastChunkId;
        if (page.done) return;
      }
    };
    await backfillPass();
    // Catch-up: documents that went live while the first pass ran (dual-write covers what follows).
    await backfillPass(backfillStartedAt);
    await checkpoint();

    await setState('validating');
    const report = await steps.validateIndex({
      reindexId: input.reindexId,
      collection,
      identity: target.identity,
      previousCollection: target.previousCollection,
      previousIdentity: target.previousIdentity,
      minRecall: options.minRecall ?? 0.8,
      minOverlap: options.minOverlap ?? 0.2,
      goldenSize: options.goldenSize ?? 20,
      // Only when given: the activity's input of a saga without one stays as it was.
      ...(input.questionSet ? { questionSet: input.questionSet } : {}),
      failAt: options.failAt,
    });
    view.validation = {
      passed: report.passed,
      reasons: report.reasons,
      recallAt5: report.recallAt5,
      overlapAt5: report.overlapAt5,
      ...(report.questionSet ? { questionSet: report.questionSet } : {}),
    };
    view.totalChunks = Object.values(report.counts).reduce((sum, c) => sum + c.registry, 0);
    if (!report.passed) throw failure('VALIDATION_FAILED', `Validation failed: ${report.reasons.join('; ')}`);
    await checkpoint();

    await setState('cutover');
    // Pushed before the step: a swap that failed half-way is pointed back too.
    compensations.push({
      name: 'point the alias back at the previous collection',
      run: () =>
        undo.revertCutover({
          reindexId: input.reindexId,
          collection,
          previousCollection: target.previousCollection,
          failCompensationOf: options.failCompensationOf,
        }),
    });
    await steps.cutover({
      reindexId: input.reindexId,
      collection,
      previousCollection: target.previousCollection,
      failAt: options.failAt,
    });
  } catch (err) {
    const cancelled = err instanceof SagaCancelled || isCancellation(err);
    const reason = err instanceof SagaCancelled ? err.message : rootMessage(err);
    return compensate(cancelled, reason);
  }

  // The cutover is done: the new version serves, and no failure from here on points the alias back.
  await untilDone.finishReindex({ reindexId: input.reindexId, failAt: options.failAt });
  await setState('retaining');
  const undoRequested = await condition(
    () => rollbackRequested || cancelReason !== undefined,
    options.retentionMs ?? 7 * 24 * 3600_000,
  );
  if (undoRequested) {
    const why = rollbackRequested ? 'rolled back during retention' : `cancelled during retention: ${cancelReason}`;
    await untilDone.revertCutover({
      reindexId: input.reindexId,
      collection: target.collection,
      previousCollection: target.previousCollection,
    });
    await untilDone.disableDualWrite({ collection: target.collection });
    await untilDone.dropTargetCollection({ reindexId: input.reindexId });
    view.error = why;
    await setState('rolled-back', { error: why });
    return view;
  }
  await untilDone.dropRetained({
    reindexId: input.reindexId,
    collection: target.previousCollection,
    failAt: options.failAt,
  });
  await setState('completed', { pending: null });
  return view;

  /** Every compensation, last-in-first-out, each one even when another fails; the row records each outcome. */
  async function compensate(cancelled: boolean, reason: string): Promise<ReindexStatusView> {
    view.error = reason;
    // Compensations run even if the workflow itself is being cancelled.
    await CancellationScope.nonCancellable(async () => {
      await setState('compensating', { error: reason });
      for (const compensation of [...compensations].reverse()) {
        const outcome: CompensationOutcome = { name: compensation.name, ok: true };
        try {
          await compensation.run();
        } catch (err) {
          outcome.ok = false;
          outcome.error = rootMessage(err);
        }
        view.compensations.push(outcome);
      }
      await untilDone.recordReindexState({
        reindexId: input.reindexId,
        status: cancelled ? 'cancelled' : 'failed',
        error: reason,
        compensations: view.compensations,
      });
      view.state = cancelled ? 'cancelled' : 'failed';
      upsertSearchAttributes([{ key: MemflowState, value: view.state }]);
    });
    if (cancelled) return view;
    const failed = view.compensations.filter((c) => !c.ok).map((c) => c.name);
    throw failure(
      'REINDEX_FAILED',
      `Re-embed ${input.targetVersion} failed and was compensated${failed.length ? ` except: ${failed.join(', ')}` : ''}: ${reason}`,
    );
  }
}
