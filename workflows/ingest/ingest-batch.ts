import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { BatchResult } from '../../contracts/ingest';

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

export interface IngestBatchInput {
  tenant: string;
  baseDir: string;
  files: string[];
  maxBytes: number;
}

/**
 * One batch of documents: register changed versions (parse + chunk into the Postgres registry),
 * embed and upsert them, then switch each document to its new version. Only ids and small
 * records cross activity boundaries.
 */
export async function ingestBatch(input: IngestBatchInput): Promise<BatchResult> {
  const outcomes = await registerDocuments(input);
  const pending = outcomes.filter((o) => o.state === 'pending');
  const docs = pending.map((o) => ({
    docId: o.docId,
    version: o.version!,
    title: o.title ?? '',
    sourceUri: o.sourceUri,
    kind: o.kind ?? 'text',
  }));
  let chunksWritten = 0;
  if (docs.length > 0) {
    ({ chunksWritten } = await embedDocuments({ tenant: input.tenant, docs }));
    await activateDocuments({ tenant: input.tenant, docs });
  }
  return {
    changed: pending.length,
    unchanged: outcomes.filter((o) => o.state === 'unchanged').length,
    failures: outcomes
      .filter((o) => o.state === 'failed')
      .map((o) => ({ sourceUri: o.sourceUri, reason: o.reason ?? 'UNKNOWN', message: o.message ?? '' })),
    chunksWritten,
  };
}
