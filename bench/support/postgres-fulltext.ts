/**
 * A lexical leg from PostgreSQL's full-text search over the registry's chunk text, as
 * bench/manual-search.ts measures it beside Milvus's BM25: every Milvus version (and Zilliz) can be
 * paired with it, where Milvus's own BM25 needs 2.5. Built in the benchmark's own database only; the
 * product's schema is not changed.
 */
import pg from 'pg';
import { connectionConfig } from '../../adapters/postgres/pool';

/** The table the leg searches: one row per live chunk, its text as an English tsvector. */
export const FULLTEXT_TABLE = 'bench_chunk_fulltext';

export interface FulltextHit {
  id: string;
  source: string;
  score: number;
}

export interface FulltextLeg {
  /** The server process that runs the queries (its CPU is the leg's own, not other load). */
  backendPid: number;
  /** Live chunks indexed, and how long building the table and its GIN index took. */
  rows: number;
  buildSeconds: number;
  search(tenant: string, text: string, limit: number): Promise<FulltextHit[]>;
  close(): Promise<void>;
}

/**
 * Builds the table from the live chunks and opens one connection for the searches. The query asks
 * for any of the question's words (its `plainto_tsquery` lexemes joined by OR, as BM25 scores any
 * match) and ranks by `ts_rank` normalised by document length (option 1), best first.
 */
export async function openFulltextLeg(databaseUrl: string): Promise<FulltextLeg> {
  // The product's connection settings (user and password defaults included).
  const client = new pg.Client(connectionConfig(databaseUrl));
  await client.connect();
  try {
    const started = performance.now();
    await client.query(`DROP TABLE IF EXISTS ${FULLTEXT_TABLE}`);
    await client.query(
      `CREATE TABLE ${FULLTEXT_TABLE} AS
         SELECT c.chunk_id, c.tenant, d.source_uri AS source, to_tsvector('english', c.text) AS tsv
         FROM chunks c JOIN documents d ON d.tenant = c.tenant AND d.doc_id = c.doc_id
         WHERE c.version = d.live_version`,
    );
    await client.query(`CREATE INDEX ON ${FULLTEXT_TABLE} USING gin (tsv)`);
    await client.query(`CREATE INDEX ON ${FULLTEXT_TABLE} (tenant)`);
    await client.query(`ANALYZE ${FULLTEXT_TABLE}`);
    const buildSeconds = (performance.now() - started) / 1000;
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${FULLTEXT_TABLE}`);
    const pid = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return {
      backendPid: pid.rows[0]!.pid,
      rows: rows[0]!.n,
      buildSeconds: Math.round(buildSeconds * 100) / 100,
      async search(tenant, text, limit) {
        const result = await client.query<{ chunk_id: string; source: string; score: number }>(
          `WITH q AS (
             SELECT nullif(replace(plainto_tsquery('english', $2)::text, ' & ', ' | '), '')::tsquery AS q
           )
           SELECT f.chunk_id, f.source, ts_rank(f.tsv, q.q, 1) AS score
           FROM ${FULLTEXT_TABLE} f, q
           WHERE f.tenant = $1 AND f.tsv @@ q.q
           ORDER BY score DESC, f.chunk_id
           LIMIT $3`,
          [tenant, text, limit],
        );
        return result.rows.map((r) => ({ id: r.chunk_id, source: r.source, score: Number(r.score) }));
      },
      close: () => client.end(),
    };
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}
