import { heartbeat } from '@temporalio/activity';
import { docIdFor, prepareDocumentContent } from '../../adapters/documents';
import type { IngestBatchInput } from '../../contracts/ingest';
import { sourceSize } from '../../contracts/ingest';
import type { IngestDeps } from './ingest-deps';
import { loadSourceDocument } from './load-source-document';
import { registryChunks } from './registry-chunks';
import { beginDocumentVersion, recordDocumentFailure } from '../../adapters/postgres/document-registry';
import { liveIndex } from '../../adapters/postgres/vector-indexes';

export type RegisterDocumentsInput = IngestBatchInput;

/** A small record per document: what the next steps need, never its text. */
export type DocumentOutcome =
  | {
      state: 'pending';
      sourceUri: string;
      docId: string;
      version: number;
      chunkCount: number;
      title: string;
      kind: string;
    }
  | { state: 'unchanged'; sourceUri: string; docId: string; version: number }
  /** `docId` is absent when the document was refused before anything was read (nothing recorded). */
  | { state: 'failed'; sourceUri: string; docId?: string; reason: string; message: string };

/**
 * Loads each document of the batch (staged content, or a confined corpus file), parses and chunks
 * it with the live model's tokenizer and registers a pending version of every changed document.
 * Content that cannot be indexed (binary, empty, …) is recorded as a failed document; a document
 * refused before it was read (another tenant's staged id, a path leaving its corpus) is reported
 * only. Re-running it with the same documents is harmless: unchanged content reuses its pending
 * version.
 */
export async function registerDocuments(deps: IngestDeps, input: RegisterDocumentsInput): Promise<DocumentOutcome[]> {
  const live = await liveIndex(deps.db);
  const embedder = await deps.embedders.get(live?.identity.model ?? deps.embedders.defaultModel);
  const outcomes: DocumentOutcome[] = [];
  for (let index = 0; index < sourceSize(input.source); index++) {
    heartbeat({ document: index });
    const loaded = await loadSourceDocument(deps, input.tenant, input.source, index, input.maxBytes);
    if (!loaded.ok) {
      outcomes.push({ sourceUri: loaded.sourceUri, state: 'failed', reason: loaded.reason, message: loaded.message });
      continue;
    }
    const { sourceUri } = loaded;
    const docId = docIdFor(input.tenant, sourceUri);
    const prepared = prepareDocumentContent(sourceUri, loaded.content, {
      maxBytes: input.maxBytes,
      chunking: { countTokens: (text) => embedder.countTokens(text) },
    });
    if (!prepared.ok) {
      await recordDocumentFailure(deps.db, {
        tenant: input.tenant,
        docId,
        sourceUri,
        kind: 'unknown',
        error: prepared.message,
      });
      outcomes.push({ sourceUri, docId, state: 'failed', reason: prepared.reason, message: prepared.message });
      continue;
    }
    const { doc, chunks } = prepared;
    const begun = await beginDocumentVersion(deps.db, {
      tenant: input.tenant,
      docId,
      sourceUri: doc.sourceUri,
      title: doc.title,
      kind: doc.kind,
      contentHash: doc.contentHash,
      chunksFor: (version) => registryChunks(docId, version, chunks),
    });
    outcomes.push(
      begun.state === 'unchanged'
        ? { sourceUri: doc.sourceUri, docId, state: 'unchanged', version: begun.version }
        : {
            sourceUri: doc.sourceUri,
            docId,
            state: 'pending',
            version: begun.version,
            chunkCount: begun.chunkCount,
            title: doc.title.slice(0, 300),
            kind: doc.kind,
          },
    );
  }
  return outcomes;
}
