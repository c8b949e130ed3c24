import { CancellationScope, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { failure, rootMessage } from '../../contracts/errors';
import type { BatchResult, IngestBatchInput } from '../../contracts/ingest';
import { checkIngestBatchInput } from '../../contracts/ingest';

const { registerDocuments } = proxyActivities<Activities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
});

const { embedDocuments, activateDocuments } = proxyActivities<Activities>({
  startToCloseTimeout: '2h',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 20 },
});

const { releaseStaged } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '20s', maximumAttempts: 10 },
});

/**
 * One batch of documents: register changed versions (load, parse + chunk into the Postgres
 * registry), embed and upsert them, then switch each document to its new version. Only ids and
 * small records cross activity boundaries. The input is checked first (any SDK can start this
 * workflow): an invalid one fails with INVALID_INPUT before anything runs.
 */
export async function ingestBatch(input: IngestBatchInput): Promise<BatchResult> {
  const checked = checkIngestBatchInput(input);
  if (!checked.ok) throw failure('INVALID_INPUT', checked.message);
  const batch = checked.value;
  const { source, tenant } = batch;
  let outcomes;
  try {
    outcomes = await registerDocuments(batch);
  } finally {
    if ('staged' in source) {
      // The content is in the registry now (or was refused): the staged rows are not needed any more,
      // whether registering succeeded or failed for good. Rows a failed release leaves expire in a day.
      await CancellationScope.nonCancellable(() =>
        releaseStaged({ tenant, stagedIds: source.staged.map((d) => d.stagedId), stagedAt: source.stagedAt }),
      ).catch((err: unknown) => log.warn('Releasing staged documents failed', { error: rootMessage(err) }));
    }
  }
  const docs = outcomes.flatMap((o) =>
    o.state === 'pending'
      ? [{ docId: o.docId, version: o.version, title: o.title, sourceUri: o.sourceUri, kind: o.kind }]
      : [],
  );
  let chunksWritten = 0;
  if (docs.length > 0) {
    ({ chunksWritten } = await embedDocuments({ tenant, docs }));
    await activateDocuments({ tenant, docs });
  }
  return {
    changed: docs.length,
    unchanged: outcomes.filter((o) => o.state === 'unchanged').length,
    failures: outcomes.flatMap((o) =>
      o.state === 'failed' ? [{ sourceUri: o.sourceUri, reason: o.reason, message: o.message }] : [],
    ),
    chunksWritten,
  };
}
