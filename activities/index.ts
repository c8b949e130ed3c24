import type { Pool } from 'pg';
import type { EmbedderRegistry } from './embed/embedder-registry';
import { classified } from './failures';
import { checkDependencies } from './health/check-dependencies';
import { activateDocuments } from './ingest/activate-documents';
import type { ActivateDocumentsInput } from './ingest/activate-documents';
import { embedDocuments } from './ingest/embed-documents';
import type { EmbedDocumentsInput } from './ingest/embed-documents';
import { ensureLiveIndex } from './ingest/live-index';
import { registerDocuments } from './ingest/register-documents';
import type { RegisterDocumentsInput } from './ingest/register-documents';
import type { VectorStore } from './milvus/vector-store';

export interface ActivityDeps {
  db: Pool;
  vectors: VectorStore;
  embedders: EmbedderRegistry;
  collectionPrefix: string;
}

/**
 * All activities, bound to their dependencies. The worker owns and closes the clients; tests pass
 * real or fake implementations of the same narrow interfaces. Errors are classified at this
 * boundary: typed input errors are non-retryable, transient ones retry.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    checkDependencies: classified(() => checkDependencies(deps)),
    ensureLiveIndex: classified(() => ensureLiveIndex(deps)),
    registerDocuments: classified((input: RegisterDocumentsInput) => registerDocuments(deps, input)),
    embedDocuments: classified((input: EmbedDocumentsInput) => embedDocuments(deps, input)),
    activateDocuments: classified((input: ActivateDocumentsInput) => activateDocuments(deps, input)),
  };
}

export type Activities = ReturnType<typeof createActivities>;
