import { dropDatabase, ensureDatabase } from '../../adapters/postgres/ensure-database';
import { migrate } from '../../adapters/postgres/migrate';
import { createPool } from '../../adapters/postgres/pool';
import { testConfig, uniqueName } from './test-env';

/**
 * A database of one test file's own, beside the run's, migrated: a test that cuts PostgreSQL off
 * or counts every row touches nothing of another file's. `drop()` removes it.
 */
export async function createOwnDatabase(label: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const url = new URL(testConfig().postgres.url);
  const name = uniqueName(label);
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  const pool = createPool(url.toString(), 1);
  try {
    await migrate(pool, testConfig().paths.migrations);
  } finally {
    await pool.end();
  }
  return { name, url: url.toString(), drop: () => dropDatabase(url.toString()) };
}
