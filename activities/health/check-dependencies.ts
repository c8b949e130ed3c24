import type { Pool } from 'pg';
import type { VectorStore } from '../milvus/vector-store';

export interface DependencyReport {
  postgres: string;
  milvus: string;
}

/** Proves, from inside the worker, that it reaches its dependencies. */
export async function checkDependencies(deps: {
  db: Pool;
  vectors: VectorStore;
  collectionPrefix: string;
}): Promise<DependencyReport> {
  const { rows } = await deps.db.query<{ version: string; migrations: string }>(
    `SELECT current_setting('server_version') AS version, (SELECT count(*) FROM memflow_migrations) AS migrations`,
  );
  const collections = await deps.vectors.listCollections(deps.collectionPrefix);
  return {
    postgres: `PostgreSQL ${rows[0]?.version ?? '?'}, ${rows[0]?.migrations ?? 0} migrations applied`,
    milvus: `${collections.length} memflow collection(s)`,
  };
}
