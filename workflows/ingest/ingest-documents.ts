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
import { failure, rootMessage } from '../../contracts/errors';
import { MemflowState, MemflowTenant } from '../../contracts/search-attributes';
import type { BatchResult, IngestCarry, IngestProgress, IngestRequest } from '../../contracts/ingest';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_DOCUMENT_BYTES,
  MAX_REPORTED_FAILURES,
  checkIngestCarry,
  checkIngestRequest,
  progressQuery,
  sliceSource,
  sourceSize,
  sourceUris,
} from '../../contracts/ingest';
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

/** The input as the shared schemas accept it, or a non-retryable INVALID_INPUT failure of the workflow. */
function checkedInput(input: unknown, carry: unknown): { request: IngestRequest; carry?: IngestCarry } {
  const request = checkIngestRequest(input);
  if (!request.ok) throw failure('INVALID_INPUT', request.message);
  if (carry === undefined) return { request: request.value };
  const checkedCarry = checkIngestCarry(carry);
  if (!checkedCarry.ok) throw failure('INVALID_INPUT', checkedCarry.message);
  return { request: request.value, carry: checkedCarry.value };
}

/**
 * Ingests a tenant's documents — staged by the caller, or named under a configured corpus root —
 * in batches run as child workflows (bounded concurrency); progress is a query, and very large
 * corpora continue-as-new between batches. The input is validated first: other SDKs and the
 * `temporal` CLI start workflows too, and an invalid input fails with INVALID_INPUT before any
 * activity or child runs.
 */
export async function ingestDocuments(input: IngestRequest, carryInput?: IngestCarry): Promise<IngestProgress> {
  const { request, carry } = checkedInput(input, carryInput);
  const { tenant, source } = request;
  const batchSize = request.batchSize ?? DEFAULT_BATCH_SIZE;
  const concurrency = request.concurrency ?? DEFAULT_CONCURRENCY;
  const uris = sourceUris(source);
  const batches: { start: number; end: number }[] = [];
  for (let start = 0; start < sourceSize(source); start += batchSize) {
    batches.push({ start, end: Math.min(start + batchSize, sourceSize(source)) });
  }
  const rejected = request.rejected ?? [];
  const startedAt = carry?.startedAt ?? Date.now();
  const progress = carry?.progress ?? emptyProgress(sourceSize(source) + rejected.length);
  const tick = () => {
    progress.elapsedMs = Date.now() - startedAt;
    progress.chunksPerSecond =
      progress.elapsedMs > 0 ? Math.round((progress.chunksWritten / progress.elapsedMs) * 10_000) / 10 : 0;
  };
  setHandler(progressQuery, () => {
    tick();
    return progress;
  });

  const record = (result: BatchResult) => {
    progress.documentsDone += result.changed + result.unchanged + result.failures.length;
    progress.changed += result.changed;
    progress.skipped += result.unchanged;
    progress.failed += result.failures.length;
    progress.chunksWritten += result.chunksWritten;
    progress.failures.push(...result.failures.slice(0, MAX_REPORTED_FAILURES - progress.failures.length));
    tick();
  };

  if (!carry) {
    upsertSearchAttributes([
      { key: MemflowTenant, value: tenant },
      { key: MemflowState, value: 'running' },
    ]);
    // Documents the caller refused before staging them: reported with the others.
    record({ changed: 0, unchanged: 0, chunksWritten: 0, failures: rejected });
    await ensureLiveIndex();
  }

  let next = carry?.nextBatch ?? 0;
  const running = new Map<number, Promise<void>>();
  const parentId = workflowInfo().workflowId;
  const maxBytes = request.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  while (next < batches.length || running.size > 0) {
    const mustContinue =
      workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE;
    while (!mustContinue && running.size < concurrency && next < batches.length) {
      const index = next++;
      const { start, end } = batches[index]!;
      const child = executeChild(ingestBatch, {
        workflowId: `${parentId}/batch-${index}`,
        args: [{ tenant, maxBytes, source: sliceSource(source, start, end) }],
        typedSearchAttributes: [{ key: MemflowTenant, value: tenant }],
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
            failures: uris.slice(start, end).map((sourceUri) => ({ sourceUri, reason: 'BATCH_FAILED', message })),
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
