import type { Chunk } from '../../adapters/documents';
import { chunkId, textHash } from '../../adapters/documents';
import type { RegistryChunk } from '../../adapters/postgres/document-registry';

/** A document version's chunks as the registry stores them, with their content-hash ids. */
export function registryChunks(docId: string, version: number, chunks: Chunk[]): RegistryChunk[] {
  return chunks.map((c) => ({
    chunkId: chunkId(docId, version, c.ordinal, c.text),
    ordinal: c.ordinal,
    text: c.text,
    textHash: textHash(c.text),
    tokenCount: c.tokenCount,
    headingPath: c.headingPath.join(' > '),
  }));
}
