/**
 * The baseline the ingest benchmark compares the workflow with: the same parse + register + embed
 * + upsert + activate work as the `ingestDocuments` workflow, with the same library functions,
 * embedder and vector store, in one plain loop with no Temporal in between.
 */
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import type { Embedder } from '../../adapters/embed/embedder';
import { embeddingText } from '../../adapters/embed/embedding-text';
import type { ChunkRow, VectorStore } from '../../adapters/milvus/vector-store';
import {
  activateDocumentVersion,
  beginDocumentVersion,
  recordDocumentFailure,
} from '../../adapters/postgres/document-registry';
import { liveIndex } from '../../adapters/postgres/vector-indexes';
import { registryChunks } from '../../activities/ingest/registry-chunks';
import { docIdFor, prepareDocument, toSourceUri } from '../../adapters/documents';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../../contracts/ingest';

export interface DirectIngestDeps {
  db: Pool;
  vectors: VectorStore;
  embedder: Embedder;
}

export interface DirectIngestInput {
  tenant: string;
  baseDir: string;
  files: string[];
  /** Chunks per embedding call and per upsert, as in the `embedDocuments` activity. */
  batchSize?: number;
}

export interface DirectIngestResult {
  changed: number;
  failed: number;
  chunksWritten: number;
  /** Where the time went, in seconds (upsert includes milvus-lite's flush after each batch). */
  phases: { prepare: number; register: number; embed: number; upsert: number; activate: number };
}

/**
 * For each file, in order: `prepareDocument` chunked with the embedder's tokenizer, a pending
 * version in the Postgres registry, embeddings in batches of 32 upserted into the live collection,
 * then the switch to that version. Rejected files are recorded as failures, as the workflow does.
 */
export async function directIngest(deps: DirectIngestDeps, input: DirectIngestInput): Promise<DirectIngestResult> {
  const live = await liveIndex(deps.db);
  if (!live) throw new Error('No live index: run one workflow ingest first (it creates the collection).');
  if (live.identity.model !== deps.embedder.identity.model) {
    throw new Error(
      `The live index holds ${live.identity.model}, the direct embedder is ${deps.embedder.identity.model}.`,
    );
  }
  const batchSize = input.batchSize ?? 32;
  const phases = { prepare: 0, register: 0, embed: 0, upsert: 0, activate: 0 };
  const timed = async <T>(phase: keyof typeof phases, fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      phases[phase] += (performance.now() - started) / 1000;
    }
  };
  const result: DirectIngestResult = { changed: 0, failed: 0, chunksWritten: 0, phases };
  for (const file of input.files) {
    const sourceUri = toSourceUri(file, input.baseDir);
    const docId = docIdFor(input.tenant, sourceUri);
    const prepared = await timed('prepare', () =>
      prepareDocument(file, {
        maxBytes: DEFAULT_MAX_DOCUMENT_BYTES,
        baseDir: input.baseDir,
        chunking: { countTokens: (text) => deps.embedder.countTokens(text) },
      }),
    );
    if (!prepared.ok) {
      await recordDocumentFailure(deps.db, {
        tenant: input.tenant,
        docId,
        sourceUri,
        kind: 'unknown',
        error: prepared.message,
      });
      result.failed += 1;
      continue;
    }
    const { doc, chunks } = prepared;
    const rows = (version: number) => registryChunks(docId, version, chunks);
    const begun = await timed('register', () =>
      beginDocumentVersion(deps.db, {
        tenant: input.tenant,
        docId,
        sourceUri: doc.sourceUri,
        title: doc.title,
        kind: doc.kind,
        contentHash: doc.contentHash,
        chunksFor: rows,
      }),
    );
    if (begun.state === 'unchanged') continue;
    // The workflow passes the title between activities cut to 300 characters; embed with the same.
    const title = doc.title.slice(0, 300);
    const registered = rows(begun.version);
    for (let i = 0; i < registered.length; i += batchSize) {
      const batch = registered.slice(i, i + batchSize);
      const texts = batch.map((c) => embeddingText({ title, headingPath: c.headingPath, text: c.text }));
      const vectors = await timed('embed', () => deps.embedder.embed(texts, { priority: 'bulk' }));
      const chunkRows: ChunkRow[] = batch.map((c, j) => ({
        id: c.chunkId,
        tenant: input.tenant,
        docId,
        docVersion: begun.version,
        ordinal: c.ordinal,
        text: c.text,
        title,
        source: doc.sourceUri,
        headingPath: c.headingPath,
        embeddingModel: deps.embedder.identity.model,
        vector: vectors[j]!,
      }));
      await timed('upsert', () => deps.vectors.upsert(live.collection, chunkRows));
      result.chunksWritten += batch.length;
    }
    const key = {
      tenant: input.tenant,
      docId,
      version: begun.version,
      title,
      sourceUri: doc.sourceUri,
      kind: doc.kind,
    };
    await timed('activate', () => activateDocumentVersion(deps.db, key));
    result.changed += 1;
  }
  return result;
}
