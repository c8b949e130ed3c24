import type { Pool } from 'pg';
import type { VectorStore } from '../../adapters/milvus/vector-store';
import { appliedMigrationCount, serverVersion } from '../../adapters/postgres/migrate';

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
  const [version, migrations] = await Promise.all([serverVersion(deps.db), appliedMigrationCount(deps.db)]);
  const collections = await deps.vectors.listCollections(deps.collectionPrefix);
  return {
    postgres: `PostgreSQL ${version}, ${migrations ?? 0} migrations applied`,
    milvus: `${collections.length} memflow collection(s)`,
  };
}
