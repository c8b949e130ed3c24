import path from 'node:path';
import type { Pool } from 'pg';
import {
  documentKindFor,
  readLocalFile,
  rejectDocument,
  sha256Hex,
  stagedIdFor,
  SUPPORTED_EXTENSIONS,
} from '../adapters/documents';
import { normalizeSourceUri } from '../adapters/documents';
import {
  purgeStaleStagedDocuments,
  releaseStagedDocuments,
  stageDocument,
} from '../adapters/postgres/staged-documents';
import type { DocumentFailure, StagedDocumentRef } from '../contracts/ingest';
import { relativePathProblem } from '../contracts/relative-path';

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export interface StagedFiles {
  /** What the workflow input names: staged ids, with their source URIs for reporting. */
  staged: StagedDocumentRef[];
  /** The latest staging time among them (the database's clock), ISO 8601; absent when none was staged. */
  stagedAt?: string;
  /** Files refused here, before anything of them was staged. */
  rejected: DocumentFailure[];
}

/**
 * Reads local files on the caller's side and stages their content in PostgreSQL for the ingest
 * workflow, which never opens a path a caller chose. Each file's source URI is its path relative
 * to `baseDir` (which must hold them all). Refused before staging, with the reason ingestion
 * reports: hidden names (`HIDDEN`), unsupported or missing extensions (`UNSUPPORTED_TYPE`), files
 * over `maxBytes` (`TOO_LARGE`, by `stat`, unread) and unreadable ones. Files are read and staged
 * one at a time, so memory holds one document. Staged rows older than a day (runs that never
 * released theirs) are deleted first.
 */
export async function stageFiles(
  db: Pool,
  request: { tenant: string; files: string[]; baseDir: string; maxBytes: number },
): Promise<StagedFiles> {
  await purgeStaleStagedDocuments(db);
  const result: StagedFiles = { staged: [], rejected: [] };
  let latest: Date | undefined;
  // Cut to what the workflow input accepts: a file with a 3,000-character name is still reported.
  const refuse = (r: DocumentFailure) =>
    result.rejected.push({ sourceUri: clip(r.sourceUri, 1024), reason: r.reason, message: clip(r.message, 2000) });
  for (const file of request.files) {
    const sourceUri = normalizeSourceUri(path.relative(request.baseDir, file));
    const problem = relativePathProblem(sourceUri);
    if (problem?.kind === 'hidden') {
      refuse(rejectDocument(sourceUri, { reason: 'HIDDEN' }));
      continue;
    }
    if (problem) {
      refuse(rejectDocument(sourceUri, { reason: 'UNREADABLE', cause: problem.message }));
      continue;
    }
    if (documentKindFor(sourceUri) === undefined) {
      const extension = path.posix.extname(sourceUri);
      refuse(rejectDocument(sourceUri, { reason: 'UNSUPPORTED_TYPE', extension, supported: SUPPORTED_EXTENSIONS }));
      continue;
    }
    const read = await readLocalFile(file, sourceUri, request.maxBytes);
    if (!read.ok) {
      refuse(read);
      continue;
    }
    const sha256 = sha256Hex(read.bytes);
    const stagedId = stagedIdFor(request.tenant, sourceUri, sha256);
    const at = await stageDocument(db, { stagedId, tenant: request.tenant, sourceUri, content: read.bytes, sha256 });
    if (latest === undefined || at > latest) latest = at;
    result.staged.push({ stagedId, sourceUri });
  }
  if (latest !== undefined) result.stagedAt = latest.toISOString();
  return result;
}

/** Deletes what `stageFiles` staged when the workflow could not be started after all. */
export async function unstageFiles(db: Pool, tenant: string, staged: StagedFiles): Promise<void> {
  if (staged.stagedAt === undefined) return;
  await releaseStagedDocuments(
    db,
    tenant,
    staged.staged.map((d) => d.stagedId),
    new Date(staged.stagedAt),
  );
}
