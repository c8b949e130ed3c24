import type { ChunkRow } from '../../adapters/milvus/vector-store';
import type { LiveChunk } from '../../adapters/postgres/document-registry';
import type { Embedder } from '../../adapters/embed/embedder';
import { embeddingText } from '../../adapters/embed/embedding-text';

/**
 * Embeds registry chunks with one model and returns the rows to upsert, each tagged with the model
 * that produced its vector. Ingestion and the re-embed backfill both write through this.
 */
export async function embedChunks(embedder: Embedder, chunks: LiveChunk[]): Promise<ChunkRow[]> {
  const vectors = await embedder.embed(
    chunks.map((c) => embeddingText({ title: c.title, headingPath: c.headingPath, text: c.text })),
    // Nobody waits for one batch: a chat turn's query embedding goes first.
    { priority: 'bulk' },
  );
  return chunks.map((c, i) => ({
    id: c.chunkId,
    tenant: c.tenant,
    docId: c.docId,
    docVersion: c.version,
    ordinal: c.ordinal,
    text: c.text,
    title: c.title,
    source: c.sourceUri,
    headingPath: c.headingPath,
    embeddingModel: embedder.identity.model,
    vector: vectors[i]!,
  }));
}
