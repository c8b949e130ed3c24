import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dropDatabase, ensureDatabase } from '../../adapters/postgres/ensure-database';
import { migrate } from '../../adapters/postgres/migrate';
import { createPool } from '../../adapters/postgres/pool';
import type { MemflowConfig } from '../../config/config';
import { MemflowError } from '../../contracts/errors';
import { ensureStackInstalled } from '../../devstack/install';
import { startMilvus, stopMilvus } from '../../devstack/milvus-server';
import { freePort } from '../../devstack/net';
import type { ChatHarness } from '../support/chat-harness';
import { CORPUS, ingestFor, newTenant, startChatHarness } from '../support/chat-harness';
import { testConfig, uniqueName } from '../support/test-env';

/**
 * Milvus goes away under a running worker and comes back. A turn during the outage fails with a
 * typed error the caller may retry, within the store steps' retry budget; the first turn after the
 * restart answers on the same worker — milvus-lite reports every collection `released` after a
 * restart, and the worker loads it again by itself.
 */
describe('a Milvus restart under a running worker', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-milvus-outage-'));
  const tenant = newTenant();
  let config: MemflowConfig;
  let harness: ChatHarness;
  const startOwnMilvus = () => startMilvus(config, ensureStackInstalled(config, () => undefined).milvusLite);

  before(async () => {
    const database = new URL(testConfig().postgres.url);
    database.pathname = `/${uniqueName('outage')}`;
    config = testConfig({
      MEMFLOW_HOME: home,
      MILVUS_ADDRESS: `127.0.0.1:${await freePort()}`,
      DATABASE_URL: database.toString(),
      MEMFLOW_COLLECTION_PREFIX: uniqueName('outage'),
      TEMPORAL_TASK_QUEUE: `${process.env.TEMPORAL_TASK_QUEUE}-outage`,
      OPENAI_BASE_URL: '',
      OPENAI_API_KEY: '',
    });
    await ensureDatabase(config.postgres.url);
    const pool = createPool(config.postgres.url, 2);
    await migrate(pool, config.paths.migrations);
    await pool.end();
    await startOwnMilvus();
    harness = await startChatHarness(config);
    await ingestFor(harness, tenant, [path.join(CORPUS, 'aurora-kettle-warranty.md')]);
  });
  after(async () => {
    await harness.close();
    await stopMilvus(config);
    await dropDatabase(config.postgres.url);
    fs.rmSync(home, { recursive: true, force: true });
  });

  test(
    'a turn during the outage fails typed and retryable; the next one after the restart answers',
    { timeout: 240_000 },
    async () => {
      const question = 'How long is the Aurora Kettle warranty?';
      const before = await harness.client.chat(tenant, 'outage', question);
      assert.equal(before.citations[0]?.source, 'aurora-kettle-warranty.md');

      await stopMilvus(config);
      const started = Date.now();
      await assert.rejects(
        harness.client.chat(tenant, 'outage', question, { requestId: 'during-outage' }),
        (e: unknown) => e instanceof MemflowError && e.code === 'TURN_FAILED' && e.retryable,
      );
      const failedAfterMs = Date.now() - started;
      // The store steps' retry budget (workflows/chat/step-proxies.ts STORE_RETRY): 8 attempts, ~16 s of backoff.
      assert.ok(failedAfterMs < 60_000, `the turn gave up within the documented bound (${failedAfterMs} ms)`);

      await startOwnMilvus();
      const after = await harness.client.chat(tenant, 'outage', question, { requestId: 'after-restart' });
      assert.equal(after.citations[0]?.source, 'aurora-kettle-warranty.md', 'the same worker answers again');
      const history = await harness.client.history(tenant, 'outage');
      assert.deepEqual(
        history.turns.map((t) => t.requestId).slice(1),
        ['after-restart'],
        'the failed turn recorded nothing; the session stayed usable',
      );
    },
  );
});
