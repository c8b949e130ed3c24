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
import { liveAlias } from '../../adapters/milvus/collection-names';
import { ingestProgress } from '../../client/ingest';
import type { IngestProgress } from '../../contracts/ingest';
import type { ChatHarness } from '../support/chat-harness';
import { CORPUS, ingestFor, newTenant, startChatHarness } from '../support/chat-harness';
import type { StackClients } from '../support/stack-clients';
import { openStackClients, storedChunkIds } from '../support/stack-clients';
import { liveRegistryChunkIds } from '../support/registry-chunks';
import { testConfig, uniqueName } from '../support/test-env';

/** How long Milvus stays down during the ingest (issue 14: 30 s). */
const OUTAGE_MS = 30_000;

/**
 * Milvus goes away under a running worker and comes back. A turn during the outage fails with a
 * typed error the caller may retry, within the store steps' retry budget; the first turn after the
 * restart answers on the same worker — milvus-lite reports every collection `released` after a
 * restart, and the worker loads it again by itself.
 */
describe('a Milvus restart under a running worker', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-milvus-outage-'));
  const corpus = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-milvus-outage-corpus-'));
  const tenant = newTenant();
  let config: MemflowConfig;
  let harness: ChatHarness;
  let stores: StackClients;
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
    stores = await openStackClients(config);
    await ingestFor(harness, tenant, [path.join(CORPUS, 'aurora-kettle-warranty.md')]);
  });
  after(async () => {
    await harness.close();
    await stores.close();
    fs.rmSync(corpus, { recursive: true, force: true });
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

  test(
    'an ingest waits through a 30 s outage and completes with every chunk once, on the same worker',
    { timeout: 300_000 },
    async () => {
      const sources = fs.readdirSync(CORPUS).filter((f) => /\.(md|txt|html)$/.test(f));
      for (let i = 0; i < 16; i++) {
        const source = sources[i % sources.length]!;
        const text = fs.readFileSync(path.join(CORPUS, source), 'utf8');
        fs.writeFileSync(path.join(corpus, `copy-${i}-${source}`), `${text}\n\nCopy ${i}.\n`);
      }
      const { handle, files } = await harness.client.ingest({ tenant, paths: [corpus], baseDir: corpus, batchSize: 2 });
      assert.equal(files, 16);
      let progress: IngestProgress | undefined;
      for (let i = 0; i < 1200; i++) {
        progress = await ingestProgress(handle);
        if (progress.documentsDone >= 2) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(progress && progress.documentsDone >= 2 && progress.documentsDone < 16, 'stopped while work remained');

      await stopMilvus(config);
      await new Promise((r) => setTimeout(r, OUTAGE_MS)); // the outage's length, not a proof of anything
      const duringOutage = await ingestProgress(handle);
      assert.ok(duringOutage.documentsDone < 16, 'the ingest could not finish without Milvus');
      await startOwnMilvus();
      const result = (await handle.result()) as IngestProgress;

      assert.equal(result.documentsDone, 16);
      assert.equal(result.failed, 0, JSON.stringify(result.failures));
      const registry = await liveRegistryChunkIds(stores.db, tenant);
      const collection = (await stores.vectors.resolveAlias(liveAlias(config.milvus.collectionPrefix)))!;
      const stored = await storedChunkIds(stores.vectors, collection, tenant);
      assert.ok(registry.length > 17, 'every document has chunks');
      assert.equal(new Set(stored).size, stored.length, 'no chunk id twice in Milvus');
      assert.deepEqual(stored, registry, 'PostgreSQL and Milvus hold the same chunks, once each');
      const reply = await harness.client.chat(tenant, 'after-ingest', 'How long is the Aurora Kettle warranty?');
      assert.match(reply.citations[0]?.source ?? '', /aurora-kettle-warranty\.md$/, 'the same worker answers');
    },
  );
});
