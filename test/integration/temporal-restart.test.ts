import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { liveAlias } from '../../adapters/milvus/collection-names';
import { dropDatabase, ensureDatabase } from '../../adapters/postgres/ensure-database';
import { migrate } from '../../adapters/postgres/migrate';
import { createPool } from '../../adapters/postgres/pool';
import { ingestProgress } from '../../client/ingest';
import { waitForResult } from '../../client/wait-for-result';
import type { MemflowConfig } from '../../config/config';
import type { IngestProgress } from '../../contracts/ingest';
import { ensureStackInstalled } from '../../devstack/install';
import { freePort } from '../../devstack/net';
import { readRecord } from '../../devstack/processes';
import { TEMPORAL, ensureSearchAttributes, startTemporal, stopTemporal } from '../../devstack/temporal-server';
import type { ChatHarness } from '../support/chat-harness';
import { CORPUS, newTenant, startChatHarness } from '../support/chat-harness';
import type { StackClients } from '../support/stack-clients';
import { openStackClients, storedChunkIds } from '../support/stack-clients';
import { testConfig, uniqueName } from '../support/test-env';

/**
 * The Temporal server is killed (SIGKILL, no clean shutdown) in the middle of an ingest and started
 * again on the same store. The worker and the waiting client ride it out; the ingest completes with
 * every chunk once: PostgreSQL's live chunks are exactly Milvus's, no id twice.
 */
describe('a Temporal server killed mid-ingest', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-temporal-restart-'));
  const corpus = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-restart-corpus-'));
  const tenant = newTenant();
  let config: MemflowConfig;
  let harness: ChatHarness;
  let stores: StackClients;
  const temporalBinary = () => ensureStackInstalled(config, () => undefined).temporal;

  before(async () => {
    // 36 small documents in batches of two: many child workflows, so the kill lands mid-run.
    const sources = fs.readdirSync(CORPUS).filter((f) => /\.(md|txt|html)$/.test(f));
    for (let i = 0; i < 36; i++) {
      const source = sources[i % sources.length]!;
      const text = fs.readFileSync(path.join(CORPUS, source), 'utf8');
      fs.writeFileSync(path.join(corpus, `copy-${i}-${source}`), `${text}\n\nCopy ${i}.\n`);
    }
    const database = new URL(testConfig().postgres.url);
    database.pathname = `/${uniqueName('trestart')}`;
    config = testConfig({
      MEMFLOW_HOME: home,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      TEMPORAL_UI_PORT: String(await freePort()),
      DATABASE_URL: database.toString(),
      MEMFLOW_COLLECTION_PREFIX: uniqueName('trestart'),
      OPENAI_BASE_URL: '',
      OPENAI_API_KEY: '',
    });
    await ensureDatabase(config.postgres.url);
    const pool = createPool(config.postgres.url, 1);
    await migrate(pool, config.paths.migrations);
    await pool.end();
    await startTemporal(config, temporalBinary());
    await ensureSearchAttributes(config);
    harness = await startChatHarness(config);
    stores = await openStackClients(config);
  });
  after(async () => {
    await harness.close();
    await stores.close();
    await stopTemporal(config);
    for (const c of await stores.vectors.listCollections(config.milvus.collectionPrefix).catch(() => [])) {
      await stores.vectors.dropCollection(c).catch(() => undefined);
    }
    await dropDatabase(config.postgres.url);
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(corpus, { recursive: true, force: true });
  });

  test('the ingest completes with every chunk once', { timeout: 300_000 }, async () => {
    const { handle, files } = await harness.client.ingest({ tenant, paths: [corpus], baseDir: corpus, batchSize: 2 });
    assert.equal(files, 36);
    let progress: IngestProgress | undefined;
    for (let i = 0; i < 600; i++) {
      progress = await ingestProgress(handle);
      if (progress.documentsDone >= 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(progress && progress.documentsDone >= 4 && progress.documentsDone < 36, 'killed while work remained');

    const pid = readRecord(config.paths.run, TEMPORAL)!.pid;
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break; // gone
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const lines: string[] = [];
    const waiting = waitForResult<IngestProgress>(handle, { log: (l) => lines.push(l) });
    await startTemporal(config, temporalBinary());
    const result = await waiting;

    assert.equal(result.documentsDone, 36);
    assert.equal(result.failed, 0, JSON.stringify(result.failures));
    const registry = (
      await stores.db.query(
        `SELECT c.chunk_id FROM chunks c JOIN documents d USING (tenant, doc_id)
         WHERE c.tenant = $1 AND c.version = d.live_version ORDER BY 1`,
        [tenant],
      )
    ).rows.map((r: { chunk_id: string }) => r.chunk_id);
    const collection = (await stores.vectors.resolveAlias(liveAlias(config.milvus.collectionPrefix)))!;
    const stored = await storedChunkIds(stores.vectors, collection, tenant);
    assert.ok(registry.length > 36, 'every document has chunks');
    assert.equal(new Set(stored).size, stored.length, 'no chunk id twice in Milvus');
    assert.deepEqual(stored, registry, 'PostgreSQL and Milvus hold the same chunks, once each');
  });
});
