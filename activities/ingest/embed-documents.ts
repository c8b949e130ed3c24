import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { embedChunks } from './embed-chunks';
import { pageVersionChunks } from '../../adapters/postgres/document-registry';
import type { LiveChunk } from '../../adapters/postgres/document-registry';
import { writeTargets } from '../../adapters/postgres/vector-indexes';
import type { ChunkRow } from '../../adapters/milvus/vector-store';
import type { LiveIndexDeps } from './live-index';

export interface PendingDocument {
  docId: string;
  version: number;
  title: string;
  sourceUri: string;
}

export interface EmbedDocumentsInput {
  tenant: string;
  docs: PendingDocument[];
  batchSize?: number;
}

/** Heartbeat details: how far the previous attempt got, so a retry resumes there. */
interface EmbedProgress {
  doc: number;
  afterOrdinal: number;
  chunksWritten: number;
}

/** One page of a document's chunks, as read from the registry. */
interface ChunkPage {
  doc: number;
  lastOrdinal: number;
  chunks: LiveChunk[];
}

/** A page whose vectors are being computed: one row set per write target. */
interface EmbeddingPage extends ChunkPage {
  rows: Promise<ChunkRow[][]>;
}

/** The pending versions' chunks in document and ordinal order, a page at a time, from where `from` stopped. */
async function* chunkPages(
  db: Pool,
  input: EmbedDocumentsInput,
  from: { doc: number; afterOrdinal: number },
  batchSize: number,
): AsyncGenerator<ChunkPage> {
  for (let doc = from.doc, afterOrdinal = from.afterOrdinal; doc < input.docs.length; doc++, afterOrdinal = -1) {
    const pending = input.docs[doc]!;
    for (;;) {
      const chunks = await pageVersionChunks(db, { tenant: input.tenant, ...pending }, afterOrdinal, batchSize);
      if (chunks.length === 0) break;
      afterOrdinal = chunks[chunks.length - 1]!.ordinal;
      yield {
        doc,
        lastOrdinal: afterOrdinal,
        chunks: chunks.map((c) => ({
          ...c,
          tenant: input.tenant,
          docId: pending.docId,
          version: pending.version,
          title: pending.title,
          sourceUri: pending.sourceUri,
        })),
      };
    }
  }
}

/**
 * Embeds the pending versions' chunks from the registry and upserts them into every write target
 * (the live collection, and the one a re-embed is building). The next page is read and queued for
 * embedding before the previous one is written, so the embedding thread does not wait on the
 * registry or Milvus. Pages are written in order and a heartbeat follows each write: a retry after a
 * crash resumes after the last page written, and upserts by chunk id make any overlap harmless.
 */
export async function embedDocuments(
  deps: LiveIndexDeps,
  input: EmbedDocumentsInput,
): Promise<{ chunksWritten: number }> {
  const ctx = Context.current();
  const resume = ctx.info.heartbeatDetails as EmbedProgress | undefined;
  const progress: EmbedProgress = resume ?? { doc: 0, afterOrdinal: -1, chunksWritten: 0 };
  const batchSize = input.batchSize ?? 32;
  const targets = await writeTargets(deps.db);
  const embedders = await Promise.all(targets.map((t) => deps.embedders.get(t.identity.model)));

  const write = async (page: EmbeddingPage) => {
    const rows = await page.rows;
    for (const [i, target] of targets.entries()) {
      await deps.vectors.upsert(target.collection, rows[i]!);
    }
    progress.doc = page.doc;
    progress.afterOrdinal = page.lastOrdinal;
    progress.chunksWritten += page.chunks.length;
    ctx.heartbeat(progress);
    if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
  };

  let embedding: EmbeddingPage | undefined;
  for await (const page of chunkPages(deps.db, input, progress, batchSize)) {
    const next: EmbeddingPage = {
      ...page,
      rows: Promise.all(embedders.map((embedder) => embedChunks(embedder, page.chunks))),
    };
    // Awaited by its own write; if the previous write fails first, this page is abandoned with it.
    next.rows.catch(() => undefined);
    if (embedding) await write(embedding);
    embedding = next;
  }
  if (embedding) await write(embedding);
  return { chunksWritten: progress.chunksWritten };
}
