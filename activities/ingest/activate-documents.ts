import { activateDocumentVersion, deleteRegistryVersions } from '../../adapters/postgres/document-registry';
import { writeTargets } from '../../adapters/postgres/vector-indexes';
import type { LiveIndexDeps } from './live-index';
import type { PendingDocument } from './embed-documents';

export interface ActivateDocumentsInput {
  tenant: string;
  docs: (PendingDocument & { kind: string })[];
}

/**
 * Switches each document to its new version (one Postgres UPDATE: search filters on the live
 * version, so the new chunks appear together), then deletes the older versions' chunks from the
 * vector store and the registry. Idempotent: a retry finds nothing left to switch or delete.
 */
export async function activateDocuments(
  deps: LiveIndexDeps,
  input: ActivateDocumentsInput,
): Promise<{ staleVersionsRemoved: number }> {
  const targets = await writeTargets(deps.db);
  let removed = 0;
  for (const doc of input.docs) {
    const stale = await activateDocumentVersion(deps.db, { tenant: input.tenant, ...doc });
    if (stale.length === 0) continue;
    for (const target of targets) {
      await deps.vectors.deleteWhere(target.collection, input.tenant, { docIds: [doc.docId], docVersions: stale });
    }
    removed += await deleteRegistryVersions(deps.db, input.tenant, doc.docId, stale);
  }
  return { staleVersionsRemoved: removed };
}
