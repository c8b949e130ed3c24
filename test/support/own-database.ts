import type { MemflowConfig } from '../../config/config';
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

/**
 * A test file's own corner of the run's stack: its own migrated database (`createOwnDatabase`),
 * collection prefix and task queue, answering extractively (no LLM), for a test that cuts a
 * dependency off, races the registry or counts every row. `env` adds to or overrides the settings.
 */
export async function createOwnStack(
  label: string,
  env: Record<string, string> = {},
): Promise<{ database: Awaited<ReturnType<typeof createOwnDatabase>>; config: MemflowConfig }> {
  const database = await createOwnDatabase(label);
  const config = testConfig({
    DATABASE_URL: database.url,
    MEMFLOW_COLLECTION_PREFIX: uniqueName(label),
    TEMPORAL_TASK_QUEUE: `${process.env.TEMPORAL_TASK_QUEUE}-${label}`,
    OPENAI_BASE_URL: '',
    OPENAI_API_KEY: '',
    ...env,
  });
  return { database, config };
}
