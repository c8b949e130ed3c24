import type { Pool } from 'pg';
import { liveAlias } from '../../adapters/milvus/collection-names';
import type { VectorStore } from '../../adapters/milvus/vector-store';
import { appliedMigrationCount, serverVersion } from '../../adapters/postgres/migrate';
import { MemflowError } from '../../contracts/errors';

export interface DependencyReport {
  postgres: string;
  milvus: string;
}

/**
 * Proves, from inside the worker, that it reaches its dependencies and that a turn could search:
 * the live collection exists and is loaded (a restarted milvus-lite has released it; a search
 * loads it again, and so does this check).
 */
export async function checkDependencies(deps: {
  db: Pool;
  vectors: VectorStore;
  collectionPrefix: string;
}): Promise<DependencyReport> {
  const [version, migrations] = await Promise.all([serverVersion(deps.db), appliedMigrationCount(deps.db)]);
  const collections = await deps.vectors.listCollections(deps.collectionPrefix);
  const live = await deps.vectors.resolveAlias(liveAlias(deps.collectionPrefix));
  let liveState = 'no live collection yet (ingest documents first)';
  if (live !== undefined) {
    if (!(await deps.vectors.isLoaded(live))) await deps.vectors.loadAll(live);
    if (!(await deps.vectors.isLoaded(live))) {
      throw new MemflowError('INDEX_UNAVAILABLE', `The live collection ${live} is not loaded and did not load.`);
    }
    liveState = `live ${live} loaded`;
  }
  return {
    postgres: `PostgreSQL ${version}, ${migrations ?? 0} migrations applied`,
    milvus: `${collections.length} memflow collection(s), ${liveState}`,
  };
}
