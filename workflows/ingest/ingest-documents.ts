import {
  ParentClosePolicy,
  continueAsNew,
  executeChild,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { rootMessage } from '../../contracts/errors';
import { MemflowState } from '../../contracts/search-attributes';
import type { BatchResult, IngestCarry, IngestProgress, IngestRequest } from '../../contracts/ingest';
import { DEFAULT_MAX_DOCUMENT_BYTES, MAX_REPORTED_FAILURES, progressQuery } from '../../contracts/ingest';
import { ingestBatch } from './ingest-batch';

const { ensureLiveIndex } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumInterval: '20s', maximumAttempts: 10 },
});

/** Continue-as-new well before Temporal's history limits (warning at 10,240 events). */
const HISTORY_EVENTS_BEFORE_CONTINUE = 4000;

function emptyProgress(total: number): IngestProgress {
  return {
    state: 'running',
    documentsTotal: total,
    documentsDone: 0,
    changed: 0,
    skipped: 0,
    failed: 0,
    chunksWritten: 0,
    chunksPerSecond: 0,
    elapsedMs: 0,
    failures: [],
  };
}

/**
 * Ingests a list of files for one tenant: batches run as child workflows (bounded concurrency),
 * progress is a query, and very large corpora continue-as-new between batches.
 */
export async function ingestDocuments(request: IngestRequest, carry?: IngestCarry): Promise<IngestProgress> {
  const batchSize = request.batchSize ?? 20;
  const concurrency = request.concurrency ?? 2;
  const batches: string[][] = [];
  for (let i = 0; i < request.files.length; i += batchSize) batches.push(request.files.slice(i, i + batchSize));
  const startedAt = carry?.startedAt ?? Date.now();
  const progress = carry?.progress ?? emptyProgress(request.files.length);
  const tick = () => {
    progress.elapsedMs = Date.now() - startedAt;
    progress.chunksPerSecond =
      progress.elapsedMs > 0 ? Math.round((progress.chunksWritten / progress.elapsedMs) * 10_000) / 10 : 0;
  };
  setHandler(progressQuery, () => {
    tick();
    return progress;
  });
  if (!carry) {
    upsertSearchAttributes([{ key: MemflowState, value: 'running' }]);
    await ensureLiveIndex();
  }

  const record = (result: BatchResult) => {
    progress.documentsDone += result.changed + result.unchanged + result.failures.length;
    progress.changed += result.changed;
    progress.skipped += result.unchanged;
    progress.failed += result.failures.length;
    progress.chunksWritten += result.chunksWritten;
    progress.failures.push(...result.failures.slice(0, MAX_REPORTED_FAILURES - progress.failures.length));
    tick();
  };

  let next = carry?.nextBatch ?? 0;
  const running = new Map<number, Promise<void>>();
  const parentId = workflowInfo().workflowId;
  while (next < batches.length || running.size > 0) {
    const mustContinue =
      workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE;
    while (!mustContinue && running.size < concurrency && next < batches.length) {
      const index = next++;
      const child = executeChild(ingestBatch, {
        workflowId: `${parentId}/batch-${index}`,
        args: [
          {
            tenant: request.tenant,
            baseDir: request.baseDir,
            files: batches[index]!,
            maxBytes: request.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
          },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      }).then(
        (result) => {
          record(result);
          running.delete(index);
        },
        (err: unknown) => {
          // A batch that failed for good (after its activities' retries) fails its documents only.
          const message = rootMessage(err);
          record({
            changed: 0,
            unchanged: 0,
            chunksWritten: 0,
            failures: batches[index]!.map((file) => ({ sourceUri: file, reason: 'BATCH_FAILED', message })),
          });
          running.delete(index);
        },
      );
      running.set(index, child);
    }
    if (running.size === 0) {
      // Only reached when history is long and every started child has finished.
      await continueAsNew<typeof ingestDocuments>(request, { nextBatch: next, startedAt, progress });
    }
    await Promise.race(running.values());
  }
  progress.state = 'completed';
  tick();
  upsertSearchAttributes([{ key: MemflowState, value: 'completed' }]);
  return progress;
}
