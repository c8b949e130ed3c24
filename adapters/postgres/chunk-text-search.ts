/**
 * Retrieval's lexical leg: PostgreSQL full-text search over the registry's chunk text
 * (`chunks.text_search`, migrations/007_chunk_text_search.sql), fused with Milvus's dense leg by the
 * retriever. Every Milvus version and Zilliz can be paired with it, where Milvus's own BM25 needs
 * 2.5; on the PostgreSQL manual it ranks as well as milvus-lite's BM25 in a fraction of the time
 * (bench/README.md, "Search on the whole manual").
 */
import type { Pool } from 'pg';
import { MemflowError } from '../../contracts/errors';
import { assertTenant } from '../../contracts/identifiers';

/** Narrows a text search like the dense leg's filter (adapters/milvus/vector-store.ts `ChunkFilter`). */
export interface TextSearchFilter {
  ids?: string[];
  docIds?: string[];
  sources?: string[];
  docVersions?: number[];
}

export interface TextSearchRequest {
  /** Always enforced: hits come from this tenant's rows only. */
  tenant: string;
  text: string;
  limit: number;
  filter?: TextSearchFilter;
}

/** One chunk of a document's live version, with its `ts_rank` (higher is better). */
export interface TextSearchHit {
  id: string;
  tenant: string;
  docId: string;
  docVersion: number;
  ordinal: number;
  title: string;
  source: string;
  headingPath: string;
  score: number;
}

/** The most characters of query text the leg parses (a turn's message is bounded well below it). */
const MAX_TEXT_CHARS = 20_000;

/**
 * The chunks of the tenant's live document versions that contain any of the text's words (its
 * `plainto_tsquery` lexemes joined by OR, as BM25 scores any match), ranked by `ts_rank` normalised
 * by document length (option 1), best first, ties by chunk id. Text with no searchable word (only
 * stop words or punctuation) finds nothing. The tenant clause is built here, never by a caller, and
 * every row is checked against it again.
 */
export async function searchChunkText(db: Pool, request: TextSearchRequest): Promise<TextSearchHit[]> {
  assertTenant(request.tenant);
  if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > 1000) {
    throw new MemflowError('INVALID_INPUT', `Search limit must be 1-1000, got ${request.limit}.`);
  }
  if (typeof request.text !== 'string' || request.text.length > MAX_TEXT_CHARS) {
    throw new MemflowError('INVALID_INPUT', `Search text must be a string of at most ${MAX_TEXT_CHARS} characters.`);
  }
  const params: unknown[] = [request.tenant, request.text, request.limit];
  const clauses: string[] = [];
  for (const [column, values] of [
    ['c.chunk_id', request.filter?.ids],
    ['c.doc_id', request.filter?.docIds],
    ['d.source_uri', request.filter?.sources],
  ] as const) {
    if (!values) continue;
    if (values.length === 0) return []; // an empty set matches nothing
    params.push(values);
    clauses.push(`AND ${column} = ANY($${params.length}::text[])`);
  }
  if (request.filter?.docVersions) {
    if (request.filter.docVersions.length === 0 || !request.filter.docVersions.every(Number.isSafeInteger)) {
      throw new MemflowError('INVALID_INPUT', 'docVersions must be a non-empty list of integers.');
    }
    params.push(request.filter.docVersions);
    clauses.push(`AND c.version = ANY($${params.length}::int[])`);
  }
  const { rows } = await db.query<{
    chunk_id: string;
    tenant: string;
    doc_id: string;
    version: number;
    ordinal: number;
    heading_path: string;
    title: string;
    source_uri: string;
    score: number;
  }>(
    `WITH q AS (
       SELECT nullif(replace(plainto_tsquery('english', $2)::text, ' & ', ' | '), '')::tsquery AS q
     )
     SELECT c.chunk_id, c.tenant, c.doc_id, c.version, c.ordinal, c.heading_path, d.title, d.source_uri,
            ts_rank(c.text_search, q.q, 1) AS score
     FROM q, chunks c
     JOIN documents d ON d.tenant = c.tenant AND d.doc_id = c.doc_id AND d.live_version = c.version
     WHERE c.tenant = $1 AND c.text_search @@ q.q ${clauses.join(' ')}
     ORDER BY score DESC, c.chunk_id
     LIMIT $3`,
    params,
  );
  const foreign = rows.find((r) => r.tenant !== request.tenant);
  if (foreign) {
    throw new MemflowError(
      'TENANT_ISOLATION',
      `PostgreSQL returned chunk ${foreign.chunk_id} of another tenant for a search of ${request.tenant}; refusing the answer.`,
    );
  }
  return rows.map((r) => ({
    id: r.chunk_id,
    tenant: r.tenant,
    docId: r.doc_id,
    docVersion: r.version,
    ordinal: r.ordinal,
    title: r.title,
    source: r.source_uri,
    headingPath: r.heading_path,
    score: Number(r.score),
  }));
}
