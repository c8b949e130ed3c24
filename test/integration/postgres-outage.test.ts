import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pool } from 'pg';
import { dropDatabase, ensureDatabase } from '../../adapters/postgres/ensure-database';
import { migrate } from '../../adapters/postgres/migrate';
import { createPool } from '../../adapters/postgres/pool';
import { MemflowClient } from '../../client/memflow-client';
import type { MemflowConfig } from '../../config/config';
import { CORPUS, newTenant } from '../support/chat-harness';
import { testConfig, uniqueName } from '../support/test-env';
import { spawnWorker, waitForExit } from '../support/worker-process';

/**
 * PostgreSQL ends every connection of a running worker (a restart, a failover, an admin's
 * pg_terminate_backend). The worker process stays up — its idle pool clients report the error
 * instead of crashing it — and the next turn is answered by the same process.
 */
describe('PostgreSQL terminating the worker connections', () => {
  let config: MemflowConfig;
  let client: MemflowClient;
  let admin: Pool;
  let worker: ChildProcess;
  const tenant = newTenant();
  let database: string;

  before(async () => {
    const url = new URL(testConfig().postgres.url);
    database = uniqueName('pgout');
    url.pathname = `/${database}`;
    const env = {
      DATABASE_URL: url.toString(),
      MEMFLOW_COLLECTION_PREFIX: uniqueName('pgout'),
      TEMPORAL_TASK_QUEUE: `${process.env.TEMPORAL_TASK_QUEUE}-pgout`,
      OPENAI_BASE_URL: '',
      OPENAI_API_KEY: '',
    };
    config = testConfig(env);
    await ensureDatabase(config.postgres.url);
    const pool = createPool(config.postgres.url, 1);
    await migrate(pool, config.paths.migrations);
    await pool.end();
    // Another database: terminating the worker's backends must not touch this connection.
    admin = createPool(testConfig().postgres.url, 1);
    worker = await spawnWorker(env);
    client = await MemflowClient.connect(config);
    const { handle } = await client.ingest({
      tenant,
      paths: [path.join(CORPUS, 'aurora-kettle-warranty.md')],
      baseDir: CORPUS,
    });
    await handle.result();
  });
  after(async () => {
    worker.kill('SIGTERM');
    await waitForExit(worker);
    await client.close();
    await admin.end();
    await dropDatabase(config.postgres.url);
  });

  test('the worker stays up and answers the next turn', { timeout: 180_000 }, async () => {
    const question = 'How long is the Aurora Kettle warranty?';
    await client.chat(tenant, 'pg', question);
    const backends = async () =>
      (
        await admin.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database])
      ).rows.map((r: { pid: number }) => r.pid);
    const before = await backends();
    assert.ok(before.length > 0, 'the worker holds connections to end');
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
    // Positive conditions only: the old backends are gone, then the same process answers.
    for (let i = 0; i < 100 && (await backends()).some((pid) => before.includes(pid)); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    // A crashed worker fails the test at once instead of leaving the turn to wait for a worker.
    const exited = new Promise<never>((_, reject) => {
      if (worker.exitCode !== null || worker.signalCode !== null) reject(new Error('the worker exited'));
      worker.once('exit', (code, signal) => reject(new Error(`the worker exited (${signal ?? code})`)));
    });
    exited.catch(() => undefined); // the SIGTERM in after() must not surface as an unhandled rejection
    const reply = await Promise.race([client.chat(tenant, 'pg', question, { requestId: 'after-terminate' }), exited]);
    assert.equal(reply.citations[0]?.source, 'aurora-kettle-warranty.md');
    assert.equal(worker.exitCode, null, 'the worker process is still running');
    assert.equal(worker.signalCode, null);
  });
});
