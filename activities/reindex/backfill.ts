import { Context } from '@temporalio/activity';
import { embedChunks } from '../ingest/embed-chunks';
import type { LiveIndexDeps } from '../ingest/live-index';
import type { LiveChunk } from '../../adapters/postgres/document-registry';
import { liveVersions, pageLiveChunks } from '../../adapters/postgres/document-registry';
import type { ReindexStep } from '../../contracts/reindex';
import { injectFault } from './fault-injection';
import type { ChunkRow } from '../../adapters/milvus/vector-store';

export interface BackfillPageInput {
  collection: string;
  model: string;
  afterChunkId: string;
  pageSize: number;
  batchSize: number;
  /** Pause between embedding batches, so live traffic keeps its latency. */
  throttleMs: number;
  /** Catch-up pass: only documents changed since then. */
  changedSince?: string;
  failAt?: ReindexStep;
}

export interface BackfillPageResult {
  processed: number;
  /** Chunks a previous attempt had already done (from its heartbeat): > 0 after a crash. */
  resumedFrom: number;
  lastChunkId: string;
  done: boolean;
}

/**
 * A document revised (or removed) while its chunks were being embedded: its activation deleted the
 * old version from every write target, this one included, before the upsert above wrote it back.
 * Reading the live versions after the upsert closes the race: an activation that commits later
 * still deletes what was written here, one that committed earlier is seen now.
 */
async function dropSuperseded(deps: LiveIndexDeps, collection: string, chunks: LiveChunk[]): Promise<void> {
  const written = new Map<string, { tenant: string; docId: string; version: number }>();
  for (const c of chunks) written.set(`${c.tenant}\u0000${c.docId}\u0000${c.version}`, c);
  const byTenant = new Map<string, string[]>();
  for (const { tenant, docId } of written.values()) byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), docId]);
  for (const [tenant, docIds] of byTenant) {
    const live = await liveVersions(deps.db, tenant, [...new Set(docIds)]);
    for (const doc of written.values()) {
      if (doc.tenant !== tenant || live.get(doc.docId) === doc.version) continue;
      await deps.vectors.deleteWhere(collection, tenant, { docIds: [doc.docId], docVersions: [doc.version] });
    }
  }
}

/**
 * Step 3, one page: re-embeds up to `pageSize` live chunks from the Postgres registry (never read
 * back from Milvus) and upserts them into the new collection. Unless throttled, the next batch is
 * read and queued for embedding before the previous one is written, so the embedding thread does
 * not wait on the registry or Milvus. Batches are written in order and the cursor heartbeated after
 * each; a retry after a crash resumes there. Upserts by chunk id make any overlap harmless.
 */
export async function backfillPage(deps: LiveIndexDeps, input: BackfillPageInput): Promise<BackfillPageResult> {
  const ctx = Context.current();
  const resumed = ctx.info.heartbeatDetails as { cursor: string; processed: number } | undefined;
  let cursor = resumed?.cursor ?? input.afterChunkId;
  let processed = resumed?.processed ?? 0;
  const resumedFrom = processed;
  const embedder = await deps.embedders.get(input.model);

  let readCursor = cursor;
  let read = processed;
  let exhausted = false;
  const embedNext = async (): Promise<{ chunks: LiveChunk[]; rows: Promise<ChunkRow[]> } | undefined> => {
    if (exhausted || read >= input.pageSize) return undefined;
    const chunks = await pageLiveChunks(
      deps.db,
      readCursor,
      Math.min(input.batchSize, input.pageSize - read),
      input.changedSince,
    );
    if (chunks.length === 0) {
      exhausted = true;
      return undefined;
    }
    readCursor = chunks[chunks.length - 1]!.chunkId;
    read += chunks.length;
    const rows = embedChunks(embedder, chunks);
    // Awaited when its batch is written; if an earlier write fails first, this batch is abandoned with it.
    rows.catch(() => undefined);
    return { chunks, rows };
  };

  let current = await embedNext();
  while (current) {
    // A throttled backfill leaves the embedder idle between batches on purpose: no read-ahead.
    const next = input.throttleMs > 0 ? undefined : await embedNext();
    await deps.vectors.upsert(input.collection, await current.rows);
    await dropSuperseded(deps, input.collection, current.chunks);
    processed += current.chunks.length;
    cursor = current.chunks[current.chunks.length - 1]!.chunkId;
    ctx.heartbeat({ cursor, processed });
    injectFault('backfill', input.failAt);
    if (input.throttleMs > 0) await new Promise((resolve) => setTimeout(resolve, input.throttleMs));
    if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
    current = input.throttleMs > 0 ? await embedNext() : next;
  }
  return { processed, resumedFrom, lastChunkId: cursor, done: exhausted };
}
