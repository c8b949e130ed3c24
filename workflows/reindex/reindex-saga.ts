import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { MemflowState } from '../../contracts/search-attributes';
import type { ReindexInput, ReindexStatusView, SagaState } from '../../contracts/reindex';
import { cancelSignal, pauseSignal, resumeSignal, rollbackSignal, statusQuery } from '../../contracts/reindex';

const steps = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  retry: {
    initialInterval: '1s',
    maximumInterval: '30s',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['InjectedFault', 'INVALID_INPUT', 'MODEL_UNKNOWN'],
  },
});
const backfill = proxyActivities<Activities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: '30s',
  retry: {
    initialInterval: '1s',
    maximumInterval: '30s',
    maximumAttempts: 20,
    nonRetryableErrorTypes: ['InjectedFault'],
  },
});
/** Compensations must finish: they retry for as long as it takes. */
const undo = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

class SagaCancelled extends Error {}

/**
 * Re-embeds every live chunk with a new model into a new versioned collection and swaps the live
 * alias to it with no failed search. Each step pushes its compensation as soon as it succeeds; any
 * failure (or `cancel`) runs them last-in-first-out and leaves the old version serving.
 */
export async function reindexSaga(input: ReindexInput): Promise<ReindexStatusView> {
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
  const setState = (state: SagaState) => {
    view.state = state;
    upsertSearchAttributes([{ key: MemflowState, value: state }]);
  };

  setHandler(statusQuery, () => view);
  setHandler(pauseSignal, () => void (view.paused = true));
  setHandler(resumeSignal, () => void (view.paused = false));
  setHandler(cancelSignal, ({ reason }) => void (cancelReason = reason ?? 'cancelled by an admin'));
  setHandler(rollbackSignal, () => void (rollbackRequested = true));

  const checkpoint = async () => {
    if (view.paused) {
      const resumedFrom = view.state;
      setState('paused');
      await condition(() => !view.paused || cancelReason !== undefined);
      setState(resumedFrom);
    }
    if (cancelReason !== undefined) throw new SagaCancelled(cancelReason);
  };

  try {
    setState('creating');
    // Pushed first: the step may fail half-way, and dropping a collection that was never made is a no-op.
    compensations.push({
      name: 'drop the new collection',
      run: () => undo.dropTargetCollection({ reindexId: input.reindexId, model: input.model }),
    });
    const target = await steps.createTargetCollection({
      reindexId: input.reindexId,
      model: input.model,
      failAt: options.failAt,
    });
    view.collection = target.collection;
    view.previousCollection = target.previousCollection;
    await checkpoint();

    setState('dual-write');
    compensations.push({
      name: 'turn dual-write off',
      run: () => undo.disableDualWrite({ collection: target.collection }),
    });
    await steps.enableDualWrite({ collection: target.collection, failAt: options.failAt });
    const backfillStartedAt = new Date().toISOString();

    setState('backfilling');
    const backfillPass = async (changedSince?: string) => {
      for (let cursor = ''; ;) {
        await checkpoint();
        const page = await backfill.backfillPage({
          collection: target.collection,
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

    setState('validating');
    const report = await steps.validateIndex({
      reindexId: input.reindexId,
      collection: target.collection,
      identity: target.identity,
      previousCollection: target.previousCollection,
      previousIdentity: target.previousIdentity,
      minRecall: options.minRecall ?? 0.8,
      minOverlap: options.minOverlap ?? 0.2,
      goldenSize: options.goldenSize ?? 20,
      failAt: options.failAt,
    });
    view.validation = {
      passed: report.passed,
      reasons: report.reasons,
      recallAt5: report.recallAt5,
      overlapAt5: report.overlapAt5,
    };
    view.totalChunks = Object.values(report.counts).reduce((sum, c) => sum + c.registry, 0);
    if (!report.passed) {
      throw ApplicationFailure.create({
        type: 'ValidationFailed',
        message: `validation failed: ${report.reasons.join('; ')}`,
        nonRetryable: true,
      });
    }
    await checkpoint();

    setState('cutover');
    compensations.push({
      name: 'point the alias back at the previous collection',
      run: () =>
        undo.revertCutover({
          reindexId: input.reindexId,
          collection: target.collection,
          previousCollection: target.previousCollection,
        }),
    });
    await steps.cutover({
      reindexId: input.reindexId,
      collection: target.collection,
      previousCollection: target.previousCollection,
      failAt: options.failAt,
    });
    await steps.finishReindex({ reindexId: input.reindexId, failAt: options.failAt });

    // Retention: the previous version stays (and is still written) so `rollback` is instant.
    setState('retaining');
    const rolledBack = await condition(() => rollbackRequested, options.retentionMs ?? 7 * 24 * 3600_000);
    if (rolledBack) {
      await steps.revertCutover({
        reindexId: input.reindexId,
        collection: target.collection,
        previousCollection: target.previousCollection,
        status: 'rolled_back',
      });
      await steps.disableDualWrite({ collection: target.collection });
      await steps.dropTargetCollection({ reindexId: input.reindexId, model: input.model });
      setState('rolled-back');
      return view;
    }
    await steps.dropRetained({ collection: target.previousCollection });
    setState('completed');
    return view;
  } catch (err) {
    const cancelled = err instanceof SagaCancelled || isCancellation(err);
    const reason = err instanceof SagaCancelled ? err.message : errorText(err);
    view.error = reason;
    setState('compensating');
    // Compensations run even if the workflow itself is being cancelled.
    await CancellationScope.nonCancellable(async () => {
      for (const compensation of compensations.reverse()) {
        await compensation.run();
        view.compensations.push(compensation.name);
      }
      await undo.markReindex({ reindexId: input.reindexId, status: cancelled ? 'cancelled' : 'failed', error: reason });
    });
    setState(cancelled ? 'cancelled' : 'failed');
    if (cancelled) return view;
    throw ApplicationFailure.create({
      type: 'ReindexFailed',
      message: `re-embed ${input.targetVersion} failed and was compensated: ${reason}`,
      nonRetryable: true,
    });
  }
}

function errorText(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(err);
}
