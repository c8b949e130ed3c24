import { heartbeat } from '@temporalio/activity';
import { docIdFor, prepareDocument, toSourceUri } from '../../adapters/documents';
import type { LiveIndexDeps } from './live-index';
import { registryChunks } from './registry-chunks';
import { beginDocumentVersion, recordDocumentFailure } from '../../adapters/postgres/document-registry';
import { liveIndex } from '../../adapters/postgres/vector-indexes';

export interface RegisterDocumentsInput {
  tenant: string;
  baseDir: string;
  files: string[];
  maxBytes: number;
}

/** A small record per document: what the next steps need, never its text. */
export interface DocumentOutcome {
  sourceUri: string;
  docId: string;
  state: 'pending' | 'unchanged' | 'failed';
  version?: number;
  chunkCount?: number;
  title?: string;
  kind?: string;
  reason?: string;
  message?: string;
}

/**
 * Reads, parses and chunks each file with the live model's tokenizer and registers a pending
 * version of every changed document (or records why a file was rejected). Re-running it with the
 * same files is harmless: unchanged content reuses its pending version.
 */
export async function registerDocuments(
  deps: LiveIndexDeps,
  input: RegisterDocumentsInput,
): Promise<DocumentOutcome[]> {
  const live = await liveIndex(deps.db);
  const embedder = await deps.embedders.get(live?.identity.model ?? deps.embedders.defaultModel);
  const outcomes: DocumentOutcome[] = [];
  for (const [index, file] of input.files.entries()) {
    heartbeat({ file: index });
    const sourceUri = toSourceUri(file, input.baseDir);
    const docId = docIdFor(input.tenant, sourceUri);
    const prepared = await prepareDocument(file, {
      maxBytes: input.maxBytes,
      baseDir: input.baseDir,
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
