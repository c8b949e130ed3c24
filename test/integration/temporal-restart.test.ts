import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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
import { REPO_ROOT } from '../../config/config';
import type { IngestProgress } from '../../contracts/ingest';
import { ensureStackInstalled } from '../../devstack/install';
import { freePort } from '../../devstack/net';
import { readRecord } from '../../devstack/processes';
import { TEMPORAL, ensureSearchAttributes, startTemporal, stopTemporal } from '../../devstack/temporal-server';
import type { ChatHarness, ScriptedModel } from '../support/chat-harness';
import { CORPUS, ingestFor, newTenant, startChatHarness, startScriptedModel } from '../support/chat-harness';
import type { StackClients } from '../support/stack-clients';
import { openStackClients, storedChunkIds } from '../support/stack-clients';
import { liveRegistryChunkIds } from '../support/registry-chunks';
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
  // A second worker whose model the test holds mid-turn, and the environment a CLI needs to reach it.
  let model: ScriptedModel;
  let chatEnv: NodeJS.ProcessEnv;
  let chatHarness: ChatHarness;
  const temporalBinary = () => ensureStackInstalled(config, () => undefined).temporal;

  const killTemporal = async () => {
    const pid = readRecord(config.paths.run, TEMPORAL)!.pid;
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return; // gone
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the Temporal server outlived SIGKILL');
  };

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
    const stackEnv = {
      MEMFLOW_HOME: home,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      TEMPORAL_UI_PORT: String(await freePort()),
      DATABASE_URL: database.toString(),
      MEMFLOW_COLLECTION_PREFIX: uniqueName('trestart'),
    };
    config = testConfig({ ...stackEnv, OPENAI_BASE_URL: '', OPENAI_API_KEY: '' });
    model = await startScriptedModel();
    chatEnv = {
      ...stackEnv,
      TEMPORAL_TASK_QUEUE: `${process.env.TEMPORAL_TASK_QUEUE}-trestart-chat`,
      OPENAI_BASE_URL: model.server.url,
      OPENAI_API_KEY: 'test-key',
      LLM_MODEL: 'fake-model',
      // The executor is held through the restart: long enough that no LLM timeout cuts it.
      LLM_TIMEOUT_MS: '120000',
    };
    await ensureDatabase(config.postgres.url);
    const pool = createPool(config.postgres.url, 1);
    await migrate(pool, config.paths.migrations);
    await pool.end();
    await startTemporal(config, temporalBinary());
    await ensureSearchAttributes(config);
    harness = await startChatHarness(config);
    chatHarness = await startChatHarness(testConfig(chatEnv));
    stores = await openStackClients(config);
  });
  after(async () => {
    await harness.close();
    await chatHarness.close();
    await model.server.close();
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

    await killTemporal();
    const lines: string[] = [];
    const waiting = waitForResult<IngestProgress>(handle, { log: (l) => lines.push(l) });
    await startTemporal(config, temporalBinary());
    const result = await waiting;

    assert.equal(result.documentsDone, 36);
    assert.equal(result.failed, 0, JSON.stringify(result.failures));
    const registry = await liveRegistryChunkIds(stores.db, tenant);
    const collection = (await stores.vectors.resolveAlias(liveAlias(config.milvus.collectionPrefix)))!;
    const stored = await storedChunkIds(stores.vectors, collection, tenant);
    assert.ok(registry.length > 36, 'every document has chunks');
    assert.equal(new Set(stored).size, stored.length, 'no chunk id twice in Milvus');
    assert.deepEqual(stored, registry, 'PostgreSQL and Milvus hold the same chunks, once each');
  });

  test(
    'a `memflow chat` waiting on a turn rides out a Temporal restart: one reply, one turn',
    { timeout: 300_000 },
    async () => {
      const chatTenant = newTenant();
      await ingestFor(chatHarness, chatTenant, [path.join(CORPUS, 'aurora-kettle-warranty.md')]);
      let entered!: () => void;
      const executorEntered = new Promise<void>((resolve) => (entered = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      model.beforeExecutor = async () => {
        entered();
        await released;
      };
      const cli = spawn(
        process.execPath,
        [
          path.join(REPO_ROOT, 'bin', 'memflow.js'),
          'chat',
          '--tenant',
          chatTenant,
          '--session',
          'restart',
          '--request-id',
          'across-restart',
          'How long is the Aurora Kettle warranty?',
        ],
        { env: { ...process.env, ...chatEnv }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      cli.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
      try {
        await executorEntered; // the turn is in flight: planned, retrieved, the executor answering
        await killTemporal();
        // Held down until the CLI has given up on the SDK's own retries and said it keeps waiting.
        for (let i = 0; i < 1200 && !stderr.includes('Temporal is unreachable'); i++) {
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.match(stderr, /Temporal is unreachable; sending request across-restart again/);
        await startTemporal(config, temporalBinary());
        release();
        assert.equal(await exited, 0, `memflow chat failed:\n${stderr}`);
      } finally {
        release();
        model.beforeExecutor = undefined;
        cli.kill('SIGKILL');
      }
      assert.match(stdout, /aurora-kettle-warranty\.md/, 'the reply with its citation');
      const history = await chatHarness.client.history(chatTenant, 'restart');
      assert.deepEqual(
        history.turns.map((t) => t.requestId),
        ['across-restart'],
        'one turn for the request, however often it was sent',
      );
    },
  );
});
