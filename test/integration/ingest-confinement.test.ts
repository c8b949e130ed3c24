import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { sha256Hex, stagedIdFor } from '../../adapters/documents';
import { liveAlias } from '../../adapters/milvus/collection-names';
import { countStagedDocuments, releaseStagedDocuments, stageDocument } from '../../adapters/postgres/staged-documents';
import { REPO_ROOT } from '../../config/config';
import { typedFailure } from '../../contracts/errors';
import type { IngestProgress } from '../../contracts/ingest';
import { MemflowTenant } from '../../contracts/search-attributes';
import type { WorkerHandle } from '../../workers/worker';
import { createWorker } from '../../workers/worker';
import type { StackClients } from '../support/stack-clients';
import { openStackClients } from '../support/stack-clients';
import { testConfig } from '../support/test-env';

const CLI = path.join(REPO_ROOT, 'bin', 'memflow.js');
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');
/**
 * What ingesting test/fixtures/corpus wrote before ingestion staged documents (recorded from
 * commit f8f92bf, where the worker read the files itself): staging must not change a chunk.
 */
const GOLDEN = path.join(FIXTURES, 'corpus-registry.json');

function tenantId(label: string): string {
  return `${label}-${crypto.randomBytes(4).toString('hex')}`;
}

/**
 * A corpus root with good files and every way out of it, and a folder outside it. Made before the
 * config is loaded: the worker's MEMFLOW_CORPUS_ROOTS names the root.
 */
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-confine-')));
const root = path.join(tmp, 'root');
const outside = path.join(tmp, 'outside');
const local = path.join(tmp, 'local');
fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
fs.mkdirSync(outside);
fs.mkdirSync(path.join(local, 'sub'), { recursive: true });
fs.copyFileSync(path.join(FIXTURES, 'corpus', 'aurora-kettle-warranty.md'), path.join(root, 'good.md'));
fs.copyFileSync(path.join(FIXTURES, 'corpus', 'memflow-tenant-model.txt'), path.join(root, 'sub', 'page.txt'));
fs.writeFileSync(path.join(root, 'README'), 'Extensionless files are not documents.\n');
fs.writeFileSync(path.join(root, '.secret.md'), '# Hidden\n\nA dotfile inside the root.\n');
fs.writeFileSync(path.join(outside, 'secret.md'), '# Outside\n\nThe worker must never read this.\n');
fs.writeFileSync(path.join(outside, '.env'), 'DATABASE_PASSWORD=hunter2\n');
fs.symlinkSync(path.join(outside, 'secret.md'), path.join(root, 'escape.md'));
fs.symlinkSync(outside, path.join(root, 'linked'));
fs.symlinkSync('/etc/passwd', path.join(root, 'passwd.md'));
fs.writeFileSync(path.join(local, '.env'), 'DATABASE_PASSWORD=hunter2\n');
fs.writeFileSync(path.join(local, '.hidden.md'), '# Hidden\n\nA dotfile the CLI must not stage.\n');
fs.copyFileSync(path.join(FIXTURES, 'corpus', 'orchard-beekeeping-notes.txt'), path.join(local, 'good.txt'));
fs.copyFileSync(path.join(FIXTURES, 'bad', 'binary.txt'), path.join(local, 'binary.txt'));

describe('ingestion reads only staged content and confined corpus files', () => {
  const queue = `${process.env.TEMPORAL_TASK_QUEUE}-confine`;
  const config = testConfig({ TEMPORAL_TASK_QUEUE: queue, MEMFLOW_CORPUS_ROOTS: `fixtures=${root}` });
  let clients: StackClients;
  let worker: WorkerHandle;
  let running: Promise<void>;
  let runs = 0;

  before(async () => {
    clients = await openStackClients(config);
    worker = await createWorker(config);
    running = worker.run();
  });
  after(async () => {
    worker.worker.shutdown();
    await running;
    await clients.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Starts a workflow the way any SDK can, bypassing memflow's client (no staging, no checks). */
  function startRaw(workflowType: 'ingestDocuments' | 'ingestBatch', input: unknown): Promise<WorkflowHandle> {
    return clients.temporal.workflow.start(workflowType, {
      taskQueue: queue,
      workflowId: `raw/${workflowType}/${++runs}-${crypto.randomBytes(3).toString('hex')}`,
      args: [input],
    });
  }

  /** Everything a tenant has anywhere: registry rows, staged rows, vectors. */
  async function written(tenant: string) {
    const { rows } = await clients.db.query<{ documents: number; chunks: number }>(
      `SELECT (SELECT count(*)::int FROM documents WHERE tenant = $1) AS documents,
              (SELECT count(*)::int FROM chunks WHERE tenant = $1) AS chunks`,
      [tenant],
    );
    const alias = await clients.vectors.resolveAlias(liveAlias(config.milvus.collectionPrefix));
    return {
      ...rows[0]!,
      staged: await countStagedDocuments(clients.db, tenant),
      vectors: alias ? await clients.vectors.count(alias, { tenant }) : 0,
    };
  }
  const NOTHING = { documents: 0, chunks: 0, staged: 0, vectors: 0 };

  async function assertInvalidInput(handle: WorkflowHandle, pattern: RegExp) {
    await assert.rejects(handle.result(), (err: unknown) => {
      const typed = typedFailure(err);
      assert.equal(typed?.code, 'INVALID_INPUT', String(err));
      assert.match(typed!.message, pattern);
      return true;
    });
    const { events } = await handle.fetchHistory();
    const started = events!.filter(
      (e) => e.activityTaskScheduledEventAttributes || e.startChildWorkflowExecutionInitiatedEventAttributes,
    );
    assert.deepEqual(started, [], 'refused before any activity or child workflow was scheduled');
  }

  function memflow(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: options.cwd ?? REPO_ROOT,
        env: { ...process.env, TEMPORAL_TASK_QUEUE: queue, ...options.env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }

  describe('a workflow started directly with @temporalio/client', () => {
    test("the old input naming the worker's /etc/passwd fails with INVALID_INPUT and writes nothing", async () => {
      const tenant = tenantId('raw-old');
      await assertInvalidInput(
        await startRaw('ingestDocuments', { tenant, baseDir: '/', files: ['/etc/passwd'] }),
        /Unrecognized key\(s\) in object: 'baseDir', 'files'/,
      );
      await assertInvalidInput(
        await startRaw('ingestBatch', { tenant, baseDir: '/', files: ['/etc/passwd'], maxBytes: 2097152 }),
        /Invalid ingestBatch input/,
      );
      assert.deepEqual(await written(tenant), NOTHING);
    });

    test('corpus paths that are absolute, climb out or are hidden fail with INVALID_INPUT and write nothing', async () => {
      const tenant = tenantId('raw-paths');
      for (const bad of ['/etc/passwd', '../outside/.env', '../.env', 'sub/../../outside/secret.md', '.secret.md']) {
        await assertInvalidInput(
          await startRaw('ingestDocuments', { tenant, source: { corpus: 'fixtures', paths: [bad] } }),
          /source\.paths\.0: /,
        );
      }
      assert.deepEqual(await written(tenant), NOTHING);
    });

    test('symbolic links out of the corpus root, extensionless files and missing ones are refused unread', async () => {
      const tenant = tenantId('raw-links');
      const handle = await startRaw('ingestDocuments', {
        tenant,
        source: { corpus: 'fixtures', paths: ['escape.md', 'linked/secret.md', 'passwd.md', 'README', 'missing.md'] },
      });
      const result = (await handle.result()) as IngestProgress;
      const reasons = Object.fromEntries(result.failures.map((f) => [f.sourceUri, f.reason]));
      assert.deepEqual(reasons, {
        'escape.md': 'OUTSIDE_CORPUS',
        'linked/secret.md': 'OUTSIDE_CORPUS',
        'passwd.md': 'OUTSIDE_CORPUS',
        README: 'UNSUPPORTED_TYPE',
        'missing.md': 'UNREADABLE',
      });
      assert.deepEqual([result.documentsTotal, result.failed, result.changed], [5, 5, 0]);
      assert.ok(!JSON.stringify(result).includes('Outside'), 'nothing of the outside file reached the result');
      assert.deepEqual(await written(tenant), NOTHING);
    });

    test('a corpus the worker is not configured with fails its documents and writes nothing', async () => {
      const tenant = tenantId('raw-unknown');
      const handle = await startRaw('ingestDocuments', { tenant, source: { corpus: 'elsewhere', paths: ['good.md'] } });
      const result = (await handle.result()) as IngestProgress;
      assert.deepEqual([result.failed, result.failures[0]?.reason], [1, 'BATCH_FAILED']);
      assert.match(result.failures[0]!.message, /No corpus named "elsewhere" is configured on this worker/);
      assert.deepEqual(await written(tenant), NOTHING);
    });

    test('files under the root are ingested; the batches carry the MemflowTenant search attribute', async () => {
      const tenant = tenantId('raw-good');
      const handle = await startRaw('ingestDocuments', {
        tenant,
        source: { corpus: 'fixtures', paths: ['good.md', 'sub/page.txt'] },
        batchSize: 1,
      });
      const result = (await handle.result()) as IngestProgress;
      assert.deepEqual([result.changed, result.failed], [2, 0]);
      const { rows } = await clients.db.query<{ source_uri: string }>(
        'SELECT source_uri FROM documents WHERE tenant = $1 ORDER BY source_uri',
        [tenant],
      );
      assert.deepEqual(
        rows.map((r) => r.source_uri),
        ['good.md', 'sub/page.txt'],
      );
      const counts = await written(tenant);
      assert.ok(counts.chunks > 0 && counts.vectors === counts.chunks);
      for (const batch of [0, 1]) {
        const child = await clients.temporal.workflow.getHandle(`${handle.workflowId}/batch-${batch}`).describe();
        assert.equal(child.typedSearchAttributes.get(MemflowTenant), tenant, `batch-${batch}`);
      }
      const parent = await handle.describe();
      assert.equal(
        parent.typedSearchAttributes.get(MemflowTenant),
        tenant,
        'set by the workflow when its starter did not',
      );
    });

    test('invalid options fail with INVALID_INPUT before anything runs', async () => {
      const tenant = tenantId('raw-options');
      const source = { corpus: 'fixtures', paths: ['good.md'] };
      const cases: Array<[unknown, RegExp]> = [
        [{ tenant, source, batchSize: 0 }, /batchSize: Number must be greater than or equal to 1/],
        [{ tenant, source, concurrency: 0 }, /concurrency: Number must be greater than or equal to 1/],
        [{ tenant, source, batchSize: 2.5 }, /batchSize: Expected integer/],
        [{ tenant, source, maxBytes: -1 }, /maxBytes: /],
        [{ tenant, source, retries: 3 }, /Unrecognized key\(s\) in object: 'retries'/],
        [{ tenant: 'acme corp', source }, /tenant: a tenant is 1-128 letters/],
        [{ tenant: '../other', source }, /tenant: /],
        [undefined, /Required/],
      ];
      for (const [input, pattern] of cases) await assertInvalidInput(await startRaw('ingestDocuments', input), pattern);
      await assertInvalidInput(
        await startRaw('ingestBatch', { tenant, maxBytes: 0, source }),
        /maxBytes: Number must be greater than or equal to 1/,
      );
      assert.deepEqual(await written(tenant), NOTHING);
    });

    test("a staged id of tenant A finds nothing in tenant B's workflow, and B's run leaves A's row alone", async () => {
      const [a, b] = [tenantId('stage-a'), tenantId('stage-b')];
      const content = Buffer.from('# Tenant A only\n\nThe launch code of tenant A is 7-4-1.\n');
      const sha256 = sha256Hex(content);
      const stagedId = stagedIdFor(a, 'plans.md', sha256);
      const stagedAt = await stageDocument(clients.db, { stagedId, tenant: a, sourceUri: 'plans.md', content, sha256 });
      const source = { staged: [{ stagedId, sourceUri: 'plans.md' }], stagedAt: stagedAt.toISOString() };

      const stolen = (await (await startRaw('ingestDocuments', { tenant: b, source })).result()) as IngestProgress;
      assert.deepEqual([stolen.failed, stolen.failures[0]?.reason], [1, 'NOT_STAGED']);
      assert.deepEqual(await written(b), NOTHING);
      assert.equal(await countStagedDocuments(clients.db, a), 1, "B's release is scoped to B");

      // A release by an older run (staged before this row was) keeps it; A's own run ingests it and releases it.
      assert.equal(await releaseStagedDocuments(clients.db, a, [stagedId], new Date(stagedAt.getTime() - 1)), 0);
      const own = (await (await startRaw('ingestDocuments', { tenant: a, source })).result()) as IngestProgress;
      assert.deepEqual([own.changed, own.failed], [1, 0]);
      assert.deepEqual(
        { ...(await written(a)), chunks: 0, vectors: 0 },
        { documents: 1, chunks: 0, staged: 0, vectors: 0 },
      );
    });
  });

  describe('the CLI', () => {
    test('refuses /etc/passwd, ../.env and dotfiles before staging, exits 1 and starts nothing', async () => {
      const tenant = tenantId('cli-local');
      for (const arg of ['/etc/passwd', '../.env', '../.hidden.md']) {
        const run = await memflow(['ingest', arg, '--tenant', tenant], { cwd: path.join(local, 'sub') });
        assert.equal(run.code, 1, `${arg}: ${run.stderr}`);
        assert.match(run.stderr, /memflow: INVALID_INPUT: Nothing to ingest: every file was refused/);
        assert.match(run.stderr, /(UNSUPPORTED_TYPE|HIDDEN): /);
      }
      assert.deepEqual(await written(tenant), NOTHING);
      assert.equal((await clients.temporal.workflow.count(`MemflowTenant = "${tenant}"`)).count, 0);
    });

    test('reports a dotfile among good files as HIDDEN and ingests only the good ones', async () => {
      const tenant = tenantId('cli-mixed');
      const run = await memflow(['ingest', 'good.txt', '.hidden.md', '.env', '--tenant', tenant, '--json'], {
        cwd: local,
      });
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as IngestProgress;
      assert.deepEqual(Object.fromEntries(result.failures.map((f) => [f.sourceUri, f.reason])), {
        '.hidden.md': 'HIDDEN',
        '.env': 'HIDDEN',
      });
      assert.deepEqual([result.documentsTotal, result.changed, result.failed], [3, 1, 2]);
      const { rows } = await clients.db.query<{ source_uri: string }>(
        'SELECT source_uri FROM documents WHERE tenant = $1',
        [tenant],
      );
      assert.deepEqual(
        rows.map((r) => r.source_uri),
        ['good.txt'],
      );
      assert.equal(await countStagedDocuments(clients.db, tenant), 0);
      assert.ok(
        (await clients.temporal.workflow.count(`MemflowTenant = "${tenant}"`)).count >= 1,
        'the count sees runs',
      );
    });

    test('--corpus: a symlink out of the root is refused, every document failed, so the exit code is 1', async () => {
      const tenant = tenantId('cli-corpus');
      const run = await memflow([
        'ingest',
        '--corpus',
        'fixtures',
        'escape.md',
        'linked/secret.md',
        '--tenant',
        tenant,
        '--json',
      ]);
      assert.equal(run.code, 1, run.stderr);
      const result = JSON.parse(run.stdout) as IngestProgress;
      assert.deepEqual(
        result.failures.map((f) => f.reason),
        ['OUTSIDE_CORPUS', 'OUTSIDE_CORPUS'],
      );
      assert.match(run.stderr, /every document failed/);
      assert.deepEqual(await written(tenant), NOTHING);

      const escaping = await memflow(['ingest', '--corpus', 'fixtures', '../outside/secret.md', '--tenant', tenant]);
      assert.equal(escaping.code, 2, escaping.stderr);
      assert.match(escaping.stderr, /memflow: USAGE: .*climbs out of the folder/);
      assert.deepEqual(await written(tenant), NOTHING);
    });

    test('every staged file failing (binary) exits 1; the failure is recorded, the staged copy released', async () => {
      const tenant = tenantId('cli-allfail');
      const run = await memflow(['ingest', 'binary.txt', '--tenant', tenant], { cwd: local });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /1 failed/);
      assert.match(run.stdout, /BINARY: binary\.txt: looks like a binary file/);
      assert.deepEqual(await written(tenant), { documents: 1, chunks: 0, staged: 0, vectors: 0 });
    });

    test('invalid options are usage errors (exit 2): nothing is staged and no workflow starts', async () => {
      const tenant = tenantId('cli-options');
      const optionsQueue = `${queue}-options`;
      const cases: Array<[string[], RegExp]> = [
        [['--batch-size', '0'], /batchSize: Number must be greater than or equal to 1/],
        [['--concurrency', '0'], /concurrency: Number must be greater than or equal to 1/],
        [['--batch-size', 'ten'], /batchSize: Expected number, received nan/],
        [['--batch-size', '1000'], /batchSize: Number must be less than or equal to 200/],
        [['--retries', '3'], /Unknown option '--retries'/],
      ];
      for (const [flags, pattern] of cases) {
        const run = await memflow(['ingest', 'good.txt', '--tenant', tenant, ...flags], {
          cwd: local,
          env: { TEMPORAL_TASK_QUEUE: optionsQueue },
        });
        assert.equal(run.code, 2, `${flags.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, pattern);
      }
      const badTenant = await memflow(['ingest', 'good.txt', '--tenant', 'acme corp'], {
        cwd: local,
        env: { TEMPORAL_TASK_QUEUE: optionsQueue },
      });
      assert.equal(badTenant.code, 2, badTenant.stderr);
      assert.match(badTenant.stderr, /tenant: a tenant is 1-128 letters/);
      assert.deepEqual(await written(tenant), NOTHING);
      const { rows } = await clients.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM staged_documents WHERE tenant = 'acme corp'`,
      );
      assert.equal(rows[0]!.n, 0);
      assert.equal((await clients.temporal.workflow.count(`TaskQueue = "${optionsQueue}"`)).count, 0);
    });

    test('the fixture corpus gives exactly the documents and chunks it gave before staging; a re-run writes nothing', async () => {
      const tenant = tenantId('cli-golden');
      // A staged row nobody released, from two days ago: staging anything new deletes it.
      const stale = Buffer.from('# Stale\n\nNever ingested.\n');
      const staleId = stagedIdFor('stale-tenant', 'stale.md', sha256Hex(stale));
      await stageDocument(clients.db, {
        stagedId: staleId,
        tenant: 'stale-tenant',
        sourceUri: 'stale.md',
        content: stale,
        sha256: sha256Hex(stale),
      });
      await clients.db.query(
        `UPDATE staged_documents SET created_at = now() - interval '2 days' WHERE staged_id = $1`,
        [staleId],
      );

      const first = await memflow(['ingest', 'test/fixtures/corpus', '--tenant', tenant, '--json']);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(await countStagedDocuments(clients.db, 'stale-tenant'), 0, 'stale staged rows are purged');
      assert.equal(await countStagedDocuments(clients.db, tenant), 0, 'the run released what it staged');

      const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as { documents: unknown[]; chunks: unknown[] };
      const registry = async () => ({
        documents: (
          await clients.db.query(
            `SELECT source_uri, title, kind, content_hash, chunk_count, live_version, status FROM documents
             WHERE tenant = $1 ORDER BY source_uri`,
            [tenant],
          )
        ).rows,
        chunks: (
          await clients.db.query(
            `SELECT d.source_uri, c.version, c.ordinal, c.text_hash, c.token_count, c.heading_path
             FROM chunks c JOIN documents d USING (tenant, doc_id) WHERE c.tenant = $1 ORDER BY d.source_uri, c.ordinal`,
            [tenant],
          )
        ).rows,
      });
      assert.deepEqual(await registry(), golden);
      const before = await written(tenant);
      assert.equal(before.vectors, before.chunks);
      const { rows: stamps } = await clients.db.query('SELECT doc_id, updated_at FROM documents WHERE tenant = $1', [
        tenant,
      ]);

      const second = await memflow(['ingest', 'test/fixtures/corpus', '--tenant', tenant, '--json']);
      assert.equal(second.code, 0, second.stderr);
      const again = JSON.parse(second.stdout) as IngestProgress;
      assert.deepEqual([again.changed, again.skipped, again.chunksWritten], [0, 6, 0]);
      assert.deepEqual(await written(tenant), before);
      assert.deepEqual(
        (await clients.db.query('SELECT doc_id, updated_at FROM documents WHERE tenant = $1', [tenant])).rows,
        stamps,
        'no document row was touched',
      );
    });
  });
});
