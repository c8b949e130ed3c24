import type { Pool } from 'pg';
import { checkDependencies } from './health/check-dependencies';
import type { VectorStore } from './milvus/vector-store';

export interface ActivityDeps {
  db: Pool;
  vectors: VectorStore;
  collectionPrefix: string;
}

/**
 * All activities, bound to their dependencies. The worker owns and closes the clients; tests pass
 * real or fake implementations of the same narrow interfaces.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    checkDependencies: () => checkDependencies(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
