import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { liveAlias } from '../../adapters/milvus/collection-names';
import { REPO_ROOT } from '../../config/config';
import { countStagedDocuments } from '../../adapters/postgres/staged-documents';
import { startIngest } from '../../client/ingest';
import type { WorkerHandle } from '../../workers/worker';
import { createWorker } from '../../workers/worker';
import type { StackClients } from '../support/stack-clients';
import { openStackClients, storedChunkIds } from '../support/stack-clients';
import { testConfig } from '../support/test-env';
import { spawnWorker, waitForExit } from '../support/worker-process';
import { recordHistory } from '../support/record-history';

const CORPUS = path.join(REPO_ROOT, 'test', 'fixtures', 'corpus');
const BAD = path.join(REPO_ROOT, 'test', 'fixtures', 'bad');

function tenantId(): string {
  return `t-${crypto.randomBytes(4).toString('hex')}`;
}

function copyDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(from)) fs.copyFileSync(path.join(from, f), path.join(to, f));
}

async function registryCounts(clients: StackClients, tenant: string) {
  const { rows } = await clients.db.query<{
    docs: number;
    ready: number;
    chunks: number;
    live_chunks: number;
    ids: string[] | null;
  }>(
    `SELECT (SELECT count(*)::int FROM documents WHERE tenant = $1) AS docs,
            (SELECT count(*)::int FROM documents WHERE tenant = $1 AND status = 'ready') AS ready,
            (SELECT count(*)::int FROM chunks WHERE tenant = $1) AS chunks,
            (SELECT count(*)::int FROM chunks c JOIN documents d USING (tenant, doc_id) WHERE c.tenant = $1 AND c.version = d.live_version) AS live_chunks,
            (SELECT array_agg(chunk_id ORDER BY chunk_id) FROM chunks WHERE tenant = $1) AS ids`,
    [tenant],
  );
  return rows[0]!;
}

describe('ingestDocuments on the real stack', () => {
  const config = testConfig({ TEMPORAL_TASK_QUEUE: `${process.env.TEMPORAL_TASK_QUEUE}-ingest` });
  let clients: StackClients;
  let worker: WorkerHandle;
  let running: Promise<void>;
  let collection: string;

  before(async () => {
    clients = await openStackClients(config);
    worker = await createWorker(config);
    running = worker.run();
  });
  after(async () => {
    worker.worker.shutdown();
    await running;
    await clients.close();
  });

  async function ingest(tenant: string, paths: string[]) {
    const { handle } = await startIngest(clients.temporal, config, clients.db, { tenant, paths });
    const result = await handle.result();
    collection = (await clients.vectors.resolveAlias(liveAlias(config.milvus.collectionPrefix)))!;
    await recordHistory(handle, 'ingest-documents');
    await recordHistory(clients.temporal.workflow.getHandle(`${handle.workflowId}/batch-0`), 'ingest-batch');
    return result;
  }

  test('a corpus lands in Postgres and Milvus; re-running writes nothing; an edit re-ingests only that document', async () => {
    const tenant = tenantId();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-corpus-'));
    copyDir(CORPUS, dir);
    const first = await ingest(tenant, [dir]);
    assert.equal(first.documentsTotal, 6);
    assert.equal(first.changed, 6);
    assert.equal(first.failed, 0);
    const counts = await registryCounts(clients, tenant);
    assert.equal(counts.ready, 6);
    assert.equal(counts.chunks, first.chunksWritten);
    assert.ok(counts.chunks >= 6);
    assert.deepEqual(
      await storedChunkIds(clients.vectors, collection, tenant),
      counts.ids,
      'Milvus holds exactly the registry chunks',
    );

    assert.equal(await countStagedDocuments(clients.db, tenant), 0, 'the staged copies are released after the run');

    const second = await ingest(tenant, [dir]);
    assert.deepEqual([second.changed, second.skipped, second.chunksWritten], [0, 6, 0]);
    assert.equal(await countStagedDocuments(clients.db, tenant), 0);
    assert.deepEqual(await registryCounts(clients, tenant), counts, 'a repeated ingest changes nothing in Postgres');
    assert.equal(await clients.vectors.count(collection, { tenant }), counts.chunks, '… nor in Milvus');

    const edited = path.join(dir, 'aurora-kettle-warranty.md');
    fs.appendFileSync(
      edited,
      '\n\n## Extended cover\n\nOwners who register within 30 days get a seventh year of cover for the heating plate.\n',
    );
    const third = await ingest(tenant, [dir]);
    assert.deepEqual([third.changed, third.skipped], [1, 5]);
    const after = await registryCounts(clients, tenant);
    const { rows } = await clients.db.query<{ doc_id: string; live_version: number }>(
      `SELECT doc_id, live_version FROM documents WHERE tenant = $1 AND source_uri = 'aurora-kettle-warranty.md'`,
      [tenant],
    );
    const doc = rows[0]!;
    assert.equal(doc.live_version, 2);
    const stored = await clients.vectors.query(collection, { tenant, filter: { docIds: [doc.doc_id] }, limit: 100 });
    assert.ok(stored.length > 0 && stored.every((c) => c.docVersion === 2), 'only the new version remains in Milvus');
    assert.deepEqual(await storedChunkIds(clients.vectors, collection, tenant), after.ids);
    assert.equal(after.chunks, after.live_chunks, 'old versions are gone from the registry');
    fs.rmSync(dir, { recursive: true });
  });

  test('bad files are reported with their reason and the good ones are ingested', async () => {
    const tenant = tenantId();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-bad-'));
    copyDir(BAD, dir);
    fs.copyFileSync(path.join(CORPUS, 'orchard-beekeeping-notes.txt'), path.join(dir, 'good.txt'));
    // Sparse: 5 GiB on paper, nothing on disk; reading it would hang the test.
    const huge = fs.openSync(path.join(dir, 'oversize.md'), 'w');
    fs.ftruncateSync(huge, 5 * 1024 ** 3);
    fs.closeSync(huge);
    const result = await ingest(tenant, [dir]);
    const reasons = Object.fromEntries(result.failures.map((f) => [f.sourceUri, f.reason]));
    assert.equal(reasons['binary.txt'], 'BINARY');
    assert.equal(reasons['invalid-utf8.txt'], 'INVALID_UTF8');
    assert.equal(reasons['empty.md'], 'EMPTY');
    assert.equal(reasons['oversize.md'], 'TOO_LARGE', 'refused by its size, before staging');
    assert.ok(
      result.failures.every((f) => f.message.length > 20),
      'each failure says what to do',
    );
    assert.equal(reasons['good.txt'], undefined);
    const { rows } = await clients.db.query<{ source_uri: string; status: string; error: string | null }>(
      'SELECT source_uri, status, error FROM documents WHERE tenant = $1 ORDER BY source_uri',
      [tenant],
    );
    const status = Object.fromEntries(rows.map((r) => [r.source_uri, r.status]));
    assert.equal(status['good.txt'], 'ready');
    assert.equal(status['binary.txt'], 'failed');
    assert.ok(result.changed >= 2, 'good.txt and the README are ingested');
    assert.equal(status['oversize.md'], undefined, 'a file refused before staging leaves no trace');
    assert.equal(await clients.vectors.count(collection, { tenant }), (await registryCounts(clients, tenant)).chunks);
    assert.equal(await countStagedDocuments(clients.db, tenant), 0);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('a worker killed mid-ingest', () => {
  const queue = `${process.env.TEMPORAL_TASK_QUEUE}-kill`;
  const config = testConfig({ TEMPORAL_TASK_QUEUE: queue });
  let clients: StackClients;
  before(async () => {
    clients = await openStackClients(config);
  });
  after(() => clients.close());

  test('finishes after a restart with exactly the expected chunks: no duplicates, no holes', async () => {
    const tenant = tenantId();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-kill-'));
    const topics = ['vacuum', 'replication', 'indexes', 'locking', 'backups', 'planner', 'wal', 'roles'];
    for (let i = 0; i < 24; i++) {
      const paragraphs = Array.from(
        { length: 6 },
        (_, p) =>
          `Section ${p} of note ${i} covers ${topics[(i + p) % topics.length]} in depth. ` +
          `It explains how the ${topics[p % topics.length]} subsystem interacts with checkpoints, ` +
          `why operators tune it, and which settings matter for workload ${i * 7 + p}. `.repeat(3),
      );
      fs.writeFileSync(
        path.join(dir, `note-${String(i).padStart(2, '0')}.md`),
        `# Note ${i}\n\n${paragraphs.join('\n\n')}\n`,
      );
    }
    let worker = await spawnWorker({ TEMPORAL_TASK_QUEUE: queue });
    const { handle } = await startIngest(clients.temporal, config, clients.db, {
      tenant,
      paths: [dir],
      batchSize: 12,
      concurrency: 1,
    });
    // Wait until embedding has written some, but not all, chunks: then kill the worker mid-activity.
    const deadline = Date.now() + 120_000;
    let midway = 0;
    while (Date.now() < deadline) {
      const alias = await clients.vectors.resolveAlias(liveAlias(config.milvus.collectionPrefix));
      midway = alias ? await clients.vectors.count(alias, { tenant }) : 0;
      if (midway > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    worker.kill('SIGKILL');
    await waitForExit(worker);
    const { rows } = await clients.db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks WHERE tenant = $1', [
      tenant,
    ]);
    assert.ok(midway > 0, 'the kill happened after the first chunks were written');
    worker = await spawnWorker({ TEMPORAL_TASK_QUEUE: queue });
    try {
      const result = await handle.result();
      assert.equal(result.documentsTotal, 24);
      assert.equal(result.changed, 24);
      assert.equal(result.failed, 0);
      const counts = await registryCounts(clients, tenant);
      assert.ok(counts.chunks >= rows[0]!.n);
      assert.equal(counts.ready, 24);
      const collection = (await clients.vectors.resolveAlias(liveAlias(config.milvus.collectionPrefix)))!;
      const stored = await storedChunkIds(clients.vectors, collection, tenant);
      assert.deepEqual(stored, counts.ids, 'Milvus holds every registry chunk exactly once');
      assert.ok(midway < stored.length, `the kill came mid-run (${midway} of ${stored.length} chunks written)`);
      assert.equal(await countStagedDocuments(clients.db, tenant), 0, 'every staged copy is released, crash or not');
      const history = await handle.fetchHistory();
      assert.ok(history.events!.length > 0);
    } finally {
      worker.kill('SIGTERM');
      await waitForExit(worker);
      fs.rmSync(dir, { recursive: true });
    }
  });
});
