import type { Pool } from 'pg';

/** How long a staged document may wait for its ingest before staging anything new deletes it. */
export const STAGED_DOCUMENT_TTL_HOURS = 24;

export interface StagedDocumentInput {
  stagedId: string;
  tenant: string;
  sourceUri: string;
  content: Uint8Array;
  sha256: string;
}

export interface StagedDocument {
  stagedId: string;
  sourceUri: string;
  content: Buffer;
  sha256: string;
}

/**
 * Stages one document's content; staging the same id again only refreshes its time. Returns the
 * time the row now carries (the database's clock, to the millisecond).
 */
export async function stageDocument(db: Pool, doc: StagedDocumentInput): Promise<Date> {
  const { rows } = await db.query<{ created_at: Date }>(
    `INSERT INTO staged_documents (staged_id, tenant, source_uri, content, size_bytes, sha256)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (staged_id) DO UPDATE SET created_at = now()
     RETURNING created_at`,
    [doc.stagedId, doc.tenant, doc.sourceUri, Buffer.from(doc.content), doc.content.byteLength, doc.sha256],
  );
  return rows[0]!.created_at;
}

/** A staged document of `tenant` by id; an id of another tenant, or one already released, finds nothing. */
export async function loadStagedDocument(
  db: Pool,
  tenant: string,
  stagedId: string,
): Promise<StagedDocument | undefined> {
  const { rows } = await db.query<{ staged_id: string; source_uri: string; content: Buffer; sha256: string }>(
    'SELECT staged_id, source_uri, content, sha256 FROM staged_documents WHERE tenant = $1 AND staged_id = $2',
    [tenant, stagedId],
  );
  const row = rows[0];
  return row && { stagedId: row.staged_id, sourceUri: row.source_uri, content: row.content, sha256: row.sha256 };
}

/**
 * Deletes the given staged documents of `tenant` that were staged no later than `stagedAt` (a
 * concurrent run that re-staged one since keeps it). Idempotent; returns how many rows went.
 */
export async function releaseStagedDocuments(
  db: Pool,
  tenant: string,
  stagedIds: string[],
  stagedAt: Date,
): Promise<number> {
  if (stagedIds.length === 0) return 0;
  const { rowCount } = await db.query(
    'DELETE FROM staged_documents WHERE tenant = $1 AND staged_id = ANY($2::text[]) AND created_at <= $3',
    [tenant, stagedIds, stagedAt],
  );
  return rowCount ?? 0;
}

/** Deletes staged documents of every tenant older than the TTL: runs that never came to release them. */
export async function purgeStaleStagedDocuments(db: Pool, ttlHours = STAGED_DOCUMENT_TTL_HOURS): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM staged_documents WHERE created_at < now() - make_interval(hours => $1)`,
    [ttlHours],
  );
  return rowCount ?? 0;
}

/** Staged documents of a tenant still waiting (tests and operators). */
export async function countStagedDocuments(db: Pool, tenant: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM staged_documents WHERE tenant = $1', [
    tenant,
  ]);
  return rows[0]?.n ?? 0;
}
