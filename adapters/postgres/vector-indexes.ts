import type { Pool } from 'pg';
import type { EmbeddingIdentity, Metric } from '../../contracts/embedding';

export type IndexState = 'preparing' | 'building' | 'live' | 'retained' | 'dropped';

export interface VectorIndexRow {
  collection: string;
  identity: EmbeddingIdentity;
  state: IndexState;
  reindexId: number | null;
  /** `tenant` is the collection's partition key (every collection registered by this code). */
  tenantPartitioned: boolean;
}

const COLUMNS = 'collection, model, dim, metric, state, reindex_id, tenant_partitioned';

function toRow(r: {
  collection: string;
  model: string;
  dim: number;
  metric: string;
  state: IndexState;
  reindex_id: number | null;
  tenant_partitioned: boolean;
}): VectorIndexRow {
  return {
    collection: r.collection,
    identity: { model: r.model, dim: r.dim, metric: r.metric as Metric },
    state: r.state,
    reindexId: r.reindex_id,
    tenantPartitioned: r.tenant_partitioned,
  };
}

export async function registerIndex(
  db: Pool,
  index: {
    collection: string;
    identity: EmbeddingIdentity;
    state: IndexState;
    reindexId?: number;
    /** Default true: every collection this code creates is. */
    tenantPartitioned?: boolean;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO vector_indexes (collection, model, dim, metric, state, reindex_id, tenant_partitioned)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (collection) DO NOTHING`,
    [
      index.collection,
      index.identity.model,
      index.identity.dim,
      index.identity.metric,
      index.state,
      index.reindexId ?? null,
      index.tenantPartitioned ?? true,
    ],
  );
}

export async function setIndexState(db: Pool, collection: string, state: IndexState): Promise<void> {
  await db.query('UPDATE vector_indexes SET state = $2, updated_at = now() WHERE collection = $1', [collection, state]);
}

export async function indexByCollection(db: Pool, collection: string): Promise<VectorIndexRow | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM vector_indexes WHERE collection = $1`, [collection]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

/**
 * Collections every new chunk must be written to: the live one, one a re-embed is building
 * (dual-write) and the previous one while it is retained for rollback.
 */
export async function writeTargets(db: Pool): Promise<VectorIndexRow[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM vector_indexes
     WHERE state IN ('live', 'building', 'retained') ORDER BY (state = 'live') DESC, created_at`,
  );
  return rows.map(toRow);
}

export async function liveIndex(db: Pool): Promise<VectorIndexRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM vector_indexes WHERE state = 'live' ORDER BY updated_at DESC LIMIT 1`,
  );
  return rows[0] ? toRow(rows[0]) : undefined;
}
