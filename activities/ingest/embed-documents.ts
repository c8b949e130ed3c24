import { Context } from '@temporalio/activity';
import { embedChunks } from './embed-chunks';
import { pageVersionChunks } from '../../adapters/postgres/document-registry';
import { writeTargets } from '../../adapters/postgres/vector-indexes';
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

/**
 * Embeds the pending versions' chunks from the registry and upserts them into every write target
 * (the live collection, and the one a re-embed is building). Heartbeats after each batch; a retry
 * after a crash resumes from the last heartbeat, and upserts by chunk id make any overlap harmless.
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
  for (; progress.doc < input.docs.length; progress.doc += 1, progress.afterOrdinal = -1) {
    const doc = input.docs[progress.doc]!;
    for (;;) {
      const chunks = await pageVersionChunks(
        deps.db,
        { tenant: input.tenant, ...doc },
        progress.afterOrdinal,
        batchSize,
      );
      if (chunks.length === 0) break;
      const live = chunks.map((c) => ({
        ...c,
        tenant: input.tenant,
        docId: doc.docId,
        version: doc.version,
        title: doc.title,
        sourceUri: doc.sourceUri,
      }));
      for (const [i, target] of targets.entries()) {
        await deps.vectors.upsert(target.collection, await embedChunks(embedders[i]!, live));
      }
      progress.afterOrdinal = chunks[chunks.length - 1]!.ordinal;
      progress.chunksWritten += chunks.length;
      ctx.heartbeat(progress);
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
    }
  }
  return { chunksWritten: progress.chunksWritten };
}
