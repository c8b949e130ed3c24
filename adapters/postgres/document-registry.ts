import type { Pool } from 'pg';
import { inTransaction } from './pool';

/** What the registry keeps of one chunk; the text is kept so a re-embed never reads it back from Milvus. */
export interface RegistryChunk {
  chunkId: string;
  ordinal: number;
  text: string;
  textHash: string;
  tokenCount: number;
  headingPath: string;
}

export interface DocumentVersionInput {
  tenant: string;
  docId: string;
  sourceUri: string;
  title: string;
  kind: string;
  contentHash: string;
  /** Chunk ids embed the version, so they are built by the caller once the version is known. */
  chunksFor: (version: number) => RegistryChunk[];
}

export type BeginResult =
  { state: 'unchanged'; version: number } | { state: 'pending'; version: number; chunkCount: number };

/**
 * Registers a document's content as a pending version with its chunks, or reports it unchanged.
 * Retrying with the same content reuses the pending version, so nothing is written twice.
 */
export function beginDocumentVersion(db: Pool, input: DocumentVersionInput): Promise<BeginResult> {
  return inTransaction(db, async (client) => {
    await client.query(
      `INSERT INTO documents (tenant, doc_id, source_uri, title, kind, status) VALUES ($1, $2, $3, $4, $5, 'pending')
       ON CONFLICT (tenant, doc_id) DO NOTHING`,
      [input.tenant, input.docId, input.sourceUri, input.title, input.kind],
    );
    const { rows } = await client.query<{
      live_version: number | null;
      content_hash: string | null;
      pending_version: number | null;
      pending_hash: string | null;
    }>(
      `SELECT live_version, content_hash, pending_version, pending_hash FROM documents
       WHERE tenant = $1 AND doc_id = $2 FOR UPDATE`,
      [input.tenant, input.docId],
    );
    const doc = rows[0]!;
    if (doc.live_version !== null && doc.content_hash === input.contentHash) {
      return { state: 'unchanged', version: doc.live_version };
    }
    let version: number;
    if (doc.pending_version !== null && doc.pending_hash === input.contentHash) {
      version = doc.pending_version;
    } else {
      version = Math.max(doc.live_version ?? 0, doc.pending_version ?? 0) + 1;
      if (doc.pending_version !== null) {
        // An abandoned pending version of other content: its chunks will never go live.
        await client.query('DELETE FROM chunks WHERE tenant = $1 AND doc_id = $2 AND version = $3', [
          input.tenant,
          input.docId,
          doc.pending_version,
        ]);
      }
      await client.query(
        `UPDATE documents SET pending_version = $3, pending_hash = $4, updated_at = now()
         WHERE tenant = $1 AND doc_id = $2`,
        [input.tenant, input.docId, version, input.contentHash],
      );
    }
    const chunks = input.chunksFor(version);
    if (chunks.length > 0) {
      await client.query(
        `INSERT INTO chunks (chunk_id, tenant, doc_id, version, ordinal, text, text_hash, token_count, heading_path)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[], $8::int[], $9::text[])
         ON CONFLICT (chunk_id) DO NOTHING`,
        [
          chunks.map((c) => c.chunkId),
          chunks.map(() => input.tenant),
          chunks.map(() => input.docId),
          chunks.map(() => version),
          chunks.map((c) => c.ordinal),
          chunks.map((c) => c.text),
          chunks.map((c) => c.textHash),
          chunks.map((c) => c.tokenCount),
          chunks.map((c) => c.headingPath),
        ],
      );
    }
    return { state: 'pending', version, chunkCount: chunks.length };
  });
}

/**
 * Makes `version` the live one in a single UPDATE: from this commit on, search shows only its
 * chunks. Idempotent. Returns the versions now stale (to delete from the vector store).
 */
export function activateDocumentVersion(
  db: Pool,
  key: { tenant: string; docId: string; version: number; title: string; sourceUri: string; kind: string },
): Promise<number[]> {
  return inTransaction(db, async (client) => {
    await client.query(
      `UPDATE documents SET
         live_version = $3,
         content_hash = CASE WHEN pending_version = $3 THEN pending_hash ELSE content_hash END,
         pending_version = CASE WHEN pending_version = $3 THEN NULL ELSE pending_version END,
         pending_hash = CASE WHEN pending_version = $3 THEN NULL ELSE pending_hash END,
         status = 'ready', error = NULL, title = $4, source_uri = $5, kind = $6,
         chunk_count = (SELECT count(*) FROM chunks WHERE tenant = $1 AND doc_id = $2 AND version = $3),
         updated_at = now()
       WHERE tenant = $1 AND doc_id = $2 AND (live_version IS DISTINCT FROM $3 OR pending_version = $3)`,
      [key.tenant, key.docId, key.version, key.title, key.sourceUri, key.kind],
    );
    const { rows } = await client.query<{ version: number }>(
      'SELECT DISTINCT version FROM chunks WHERE tenant = $1 AND doc_id = $2 AND version <> $3 ORDER BY version',
      [key.tenant, key.docId, key.version],
    );
    return rows.map((r) => r.version);
  });
}

/** Drops the registry's chunks of versions that are no longer live (after the vector store's). */
export async function deleteRegistryVersions(
  db: Pool,
  tenant: string,
  docId: string,
  versions: number[],
): Promise<number> {
  if (versions.length === 0) return 0;
  const { rowCount } = await db.query(
    `DELETE FROM chunks c USING documents d
     WHERE c.tenant = $1 AND c.doc_id = $2 AND c.version = ANY($3::int[])
       AND d.tenant = c.tenant AND d.doc_id = c.doc_id
       AND c.version IS DISTINCT FROM d.live_version AND c.version IS DISTINCT FROM d.pending_version`,
    [tenant, docId, versions],
  );
  return rowCount ?? 0;
}

/** Records a document that could not be ingested. A live version, if any, keeps serving. */
export async function recordDocumentFailure(
  db: Pool,
  doc: { tenant: string; docId: string; sourceUri: string; kind: string; error: string },
): Promise<void> {
  await db.query(
    `INSERT INTO documents (tenant, doc_id, source_uri, kind, status, error) VALUES ($1, $2, $3, $4, 'failed', $5)
     ON CONFLICT (tenant, doc_id) DO UPDATE SET error = EXCLUDED.error, updated_at = now(),
       status = CASE WHEN documents.live_version IS NULL THEN 'failed' ELSE documents.status END`,
    [doc.tenant, doc.docId, doc.sourceUri, doc.kind, doc.error],
  );
}

/** A page of one document version's chunks in ordinal order, starting after `afterOrdinal`. */
export async function pageVersionChunks(
  db: Pool,
  key: { tenant: string; docId: string; version: number },
  afterOrdinal: number,
  limit: number,
): Promise<RegistryChunk[]> {
  const { rows } = await db.query<{
    chunk_id: string;
    ordinal: number;
    text: string;
    text_hash: string;
    token_count: number;
    heading_path: string;
  }>(
    `SELECT chunk_id, ordinal, text, text_hash, token_count, heading_path FROM chunks
     WHERE tenant = $1 AND doc_id = $2 AND version = $3 AND ordinal > $4 ORDER BY ordinal LIMIT $5`,
    [key.tenant, key.docId, key.version, afterOrdinal, limit],
  );
  return rows.map((r) => ({
    chunkId: r.chunk_id,
    ordinal: r.ordinal,
    text: r.text,
    textHash: r.text_hash,
    tokenCount: r.token_count,
    headingPath: r.heading_path,
  }));
}

/** The live version of each document (documents without one are absent). */
export async function liveVersions(db: Pool, tenant: string, docIds: string[]): Promise<Map<string, number>> {
  if (docIds.length === 0) return new Map();
  const { rows } = await db.query<{ doc_id: string; live_version: number }>(
    'SELECT doc_id, live_version FROM documents WHERE tenant = $1 AND doc_id = ANY($2::text[]) AND live_version IS NOT NULL',
    [tenant, docIds],
  );
  return new Map(rows.map((r) => [r.doc_id, r.live_version]));
}

/** Chunk count of live versions, per tenant or overall. */
export async function countLiveChunks(db: Pool, tenant?: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM chunks c JOIN documents d ON d.tenant = c.tenant AND d.doc_id = c.doc_id
     WHERE c.version = d.live_version AND ($1::text IS NULL OR c.tenant = $1)`,
    [tenant ?? null],
  );
  return rows[0]?.n ?? 0;
}

export interface LiveChunk {
  chunkId: string;
  tenant: string;
  docId: string;
  version: number;
  ordinal: number;
  text: string;
  headingPath: string;
  title: string;
  sourceUri: string;
}

/**
 * Live chunks of every tenant in chunk-id order, after `afterChunkId` (keyset paging: stable while
 * documents change). With `changedSince`, only documents updated since then (a re-embed's catch-up).
 */
export async function pageLiveChunks(
  db: Pool,
  afterChunkId: string,
  limit: number,
  changedSince?: string,
): Promise<LiveChunk[]> {
  const { rows } = await db.query(
    `SELECT c.chunk_id, c.tenant, c.doc_id, c.version, c.ordinal, c.text, c.heading_path, d.title, d.source_uri
     FROM chunks c JOIN documents d ON d.tenant = c.tenant AND d.doc_id = c.doc_id
     WHERE c.version = d.live_version AND c.chunk_id > $1 AND ($3::timestamptz IS NULL OR d.updated_at >= $3)
     ORDER BY c.chunk_id LIMIT $2`,
    [afterChunkId, limit, changedSince ?? null],
  );
  return rows.map((r) => ({
    chunkId: r.chunk_id,
    tenant: r.tenant,
    docId: r.doc_id,
    version: r.version,
    ordinal: r.ordinal,
    text: r.text,
    headingPath: r.heading_path,
    title: r.title,
    sourceUri: r.source_uri,
  }));
}

/** Live chunk counts per tenant: what every complete index must hold. */
export async function liveChunkCountsByTenant(db: Pool): Promise<Record<string, number>> {
  const { rows } = await db.query<{ tenant: string; n: number }>(
    `SELECT c.tenant, count(*)::int AS n FROM chunks c JOIN documents d ON d.tenant = c.tenant AND d.doc_id = c.doc_id
     WHERE c.version = d.live_version GROUP BY c.tenant ORDER BY c.tenant`,
  );
  return Object.fromEntries(rows.map((r) => [r.tenant, r.n]));
}

/** The text of the given chunks of one tenant, by chunk id (ids of other tenants find nothing). */
export async function chunkTexts(db: Pool, tenant: string, chunkIds: string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ chunk_id: string; text: string }>(
    'SELECT chunk_id, text FROM chunks WHERE tenant = $1 AND chunk_id = ANY($2::text[])',
    [tenant, chunkIds],
  );
  return new Map(rows.map((r) => [r.chunk_id, r.text]));
}

/** A deterministic sample (seeded) of live chunks across tenants, for a re-embed's golden queries. */
export async function sampleLiveChunks(
  db: Pool,
  seed: number,
  size: number,
): Promise<{ tenant: string; chunkId: string; text: string }[]> {
  const { rows } = await db.query<{ tenant: string; chunk_id: string; text: string }>(
    `SELECT c.tenant, c.chunk_id, c.text FROM chunks c JOIN documents d ON d.tenant = c.tenant AND d.doc_id = c.doc_id
     WHERE c.version = d.live_version ORDER BY md5(c.chunk_id || $1::text) LIMIT $2`,
    [seed, size],
  );
  return rows.map((r) => ({ tenant: r.tenant, chunkId: r.chunk_id, text: r.text }));
}

/**
 * Each live document of one tenant with its title and text, rebuilt from its live chunks in order
 * (consecutive chunks overlap, so the words near a boundary appear twice): the documents a
 * retrieval evaluation's BM25 baseline ranks, exactly those the tenant's searches can find.
 */
export async function liveDocumentTexts(
  db: Pool,
  tenant: string,
): Promise<{ sourceUri: string; title: string; text: string }[]> {
  const { rows } = await db.query<{ source_uri: string; title: string; text: string }>(
    `SELECT d.source_uri, d.title, string_agg(c.text, E'\n\n' ORDER BY c.ordinal) AS text
     FROM documents d JOIN chunks c ON c.tenant = d.tenant AND c.doc_id = d.doc_id AND c.version = d.live_version
     WHERE d.tenant = $1
     GROUP BY d.doc_id, d.source_uri, d.title
     ORDER BY d.source_uri, d.doc_id`,
    [tenant],
  );
  return rows.map((r) => ({ sourceUri: r.source_uri, title: r.title, text: r.text }));
}
