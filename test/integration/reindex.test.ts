import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { createEmbedderRegistry } from '../../adapters/embed/embedder-registry';
import { liveAlias } from '../../adapters/milvus/collection-names';
import { disableDualWrite, dropTargetCollection } from '../../activities/reindex/target-collection';
import { revertCutover } from '../../activities/reindex/cutover';
import { getReindex } from '../../adapters/postgres/reindex-control';
import { payloadCodec } from '../../adapters/temporal/data-converter';
import { signalReindex, startReindex } from '../../client/reindex';
import { MemflowError, typedFailure } from '../../contracts/errors';
import type { ReindexOptions, ReindexStatusView } from '../../contracts/reindex';
import { statusQuery } from '../../contracts/reindex';
import type { ChatHarness } from '../support/chat-harness';
import { CORPUS, ingestFor, newTenant, startChatHarness } from '../support/chat-harness';
import type { StackClients } from '../support/stack-clients';
import { openStackClients } from '../support/stack-clients';
import { testConfig } from '../support/test-env';
import { spawnWorker, waitForExit } from '../support/worker-process';
import { recordHistory } from '../support/record-history';

const OLD_MODEL = 'all-minilm-l6-v2';
const NEW_MODEL = 'paraphrase-minilm-l3-v2';
const FAST: ReindexOptions = {
  pageSize: 16,
  batchSize: 8,
  minRecall: 0.5,
  minOverlap: 0.1,
  goldenSize: 10,
  retentionMs: 60 * 60_000,
};

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('re-embed saga on the real stack', () => {
  const config = testConfig({
    TEMPORAL_TASK_QUEUE: `${process.env.TEMPORAL_TASK_QUEUE}-reindex`,
    OPENAI_BASE_URL: '',
    OPENAI_API_KEY: '',
  });
  const alias = liveAlias(config.milvus.collectionPrefix);
  let harness: ChatHarness;
  let stores: StackClients;
  const tenants = [newTenant(), newTenant()];
  const deps = () => ({
    db: stores.db,
    vectors: stores.vectors,
    embedders: createEmbedderRegistry(config),
    collectionPrefix: config.milvus.collectionPrefix,
  });

  before(async () => {
    harness = await startChatHarness(config);
    stores = await openStackClients(config);
    await ingestFor(harness, tenants[0]!, [CORPUS]);
    await ingestFor(harness, tenants[1]!, [
      path.join(CORPUS, 'orchard-beekeeping-notes.txt'),
      path.join(CORPUS, 'aurora-kettle-warranty.md'),
    ]);
  });
  after(async () => {
    await harness.close();
    await stores.close();
  });

  const saga = (workflowId: string) => harness.client.temporal.workflow.getHandle(workflowId);
  const sagaState = async (workflowId: string) => (await saga(workflowId).query(statusQuery)) as ReindexStatusView;

  test('refuses an unknown model, the live model and writes nothing', async () => {
    const before = (await stores.db.query('SELECT count(*)::int AS n FROM reindex_control')).rows[0].n;
    await assert.rejects(
      startReindex(harness.client.temporal, config, stores.db, { model: 'no-such-model' }),
      (e: unknown) => e instanceof MemflowError && e.code === 'MODEL_UNKNOWN',
    );
    await assert.rejects(
      startReindex(harness.client.temporal, config, stores.db, { model: OLD_MODEL }),
      (e: unknown) => e instanceof MemflowError && e.code === 'INVALID_INPUT' && /already uses/.test(e.message),
    );
    assert.equal((await stores.db.query('SELECT count(*)::int AS n FROM reindex_control')).rows[0].n, before);
  });

  test('a fault at each step up to the cutover leaves the old version serving and nothing behind; compensations are idempotent', async () => {
    const old = await stores.vectors.resolveAlias(alias);
    for (const step of ['create', 'dual-write', 'backfill', 'validate', 'cutover'] as const) {
      const started = await startReindex(harness.client.temporal, config, stores.db, {
        model: NEW_MODEL,
        targetVersion: `${NEW_MODEL}@fail-${step}`,
        options: { ...FAST, failAt: step },
      });
      await assert.rejects(
        saga(started.workflowId).result(),
        (e: unknown) =>
          typedFailure(e)?.code === 'REINDEX_FAILED' &&
          new RegExp(`Fault injected at step ${step}`).test(String((e as Error).cause)),
      );
      const row = (await getReindex(stores.db, started.row.id))!;
      assert.equal(row.status, 'failed', step);
      assert.match(row.error ?? '', new RegExp(`Fault injected at step ${step}`));
      assert.ok(row.compensations && row.compensations.length > 0 && row.compensations.every((c) => c.ok), step);
      assert.equal(
        await stores.vectors.resolveAlias(alias),
        old,
        `${step}: the alias still points at the old collection`,
      );
      const leftovers = (await stores.vectors.listCollections(`${config.milvus.collectionPrefix}_chunks_`)).filter(
        (c) => c !== old,
      );
      assert.deepEqual(leftovers, [], `${step}: no new collection is left behind`);
      const snapshot = async () => ({
        alias: await stores.vectors.resolveAlias(alias),
        collections: await stores.vectors.listCollections(config.milvus.collectionPrefix),
        states: (await stores.db.query('SELECT collection, state FROM vector_indexes ORDER BY collection')).rows,
      });
      const settled = await snapshot();
      {
        // Every compensation once more, in saga order: nothing changes.
        const collection =
          row.collection ?? `${config.milvus.collectionPrefix}_chunks_paraphrase_minilm_l3_v2_v${row.id}`;
        await revertCutover(deps(), { reindexId: row.id, collection, previousCollection: old! });
        await disableDualWrite(deps(), { collection });
        await dropTargetCollection(deps(), { reindexId: row.id });
        await dropTargetCollection(deps(), { reindexId: row.id });
      }
      assert.deepEqual(await snapshot(), settled, `${step}: compensations run twice change nothing`);
    }
  });

  test('a failing compensation does not stop the others; the row records each outcome', async () => {
    const old = await stores.vectors.resolveAlias(alias);
    const started = await startReindex(harness.client.temporal, config, stores.db, {
      model: NEW_MODEL,
      targetVersion: `${NEW_MODEL}@failing-compensation`,
      options: { ...FAST, failAt: 'validate', failCompensationOf: 'dual-write' },
    });
    await assert.rejects(
      saga(started.workflowId).result(),
      (e: unknown) =>
        typedFailure(e)?.code === 'REINDEX_FAILED' && /except: turn dual-write off/.test(String((e as Error).cause)),
    );
    await recordHistory(saga(started.workflowId), 'reindex-saga-compensated');
    const row = (await getReindex(stores.db, started.row.id))!;
    assert.equal(row.status, 'failed');
    assert.deepEqual(
      row.compensations?.map((c) => [c.name, c.ok]),
      [
        ['turn dual-write off', false],
        ['drop the new collection', true],
      ],
      'the compensation after the failed one ran',
    );
    assert.match(row.compensations?.[0]?.error ?? '', /Fault injected in the compensation of step dual-write/);
    assert.equal(await stores.vectors.resolveAlias(alias), old);
    assert.deepEqual(await stores.vectors.listCollections(row.collection!), [], 'the new collection was dropped');
    const state = await stores.db.query('SELECT state FROM vector_indexes WHERE collection = $1', [row.collection]);
    assert.equal(state.rows[0]?.state, 'dropped');
  });

  test('after the cutover a failing step is retried, never compensated; cancel during retention rolls back', async () => {
    const old = (await stores.vectors.resolveAlias(alias))!;
    const started = await startReindex(harness.client.temporal, config, stores.db, {
      model: NEW_MODEL,
      targetVersion: `${NEW_MODEL}@fail-finish`,
      options: { ...FAST, failAt: 'finish' },
    });
    await waitFor(
      async () => ((await sagaState(started.workflowId)).state === 'retaining' ? true : undefined),
      'retention',
    );
    // The saga's queried state leads its row by one activity (setState records the row right after),
    // so the row is awaited too rather than read at once.
    const row = await waitFor(async () => {
      const current = (await getReindex(stores.db, started.row.id))!;
      return current.status === 'retaining' ? current : undefined;
    }, 'the row in retention');
    assert.equal(await stores.vectors.resolveAlias(alias), row.collection, 'the alias stays on the new version');
    const events = (await saga(started.workflowId).fetchHistory()).events!;
    const finish = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'finishReindex')!;
    const finishStarted = events.find(
      (e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(finish.eventId),
    );
    assert.equal(finishStarted?.activityTaskStartedEventAttributes?.attempt, 3, 'finish failed twice, then passed');
    assert.ok(
      !events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'revertCutover'),
      'nothing pointed the alias back',
    );

    await signalReindex(harness.client.temporal, stores.db, `${NEW_MODEL}@fail-finish`, 'cancel', 'changed my mind');
    const view = (await saga(started.workflowId).result()) as ReindexStatusView;
    await recordHistory(saga(started.workflowId), 'reindex-saga-cancelled-in-retention');
    assert.equal(view.state, 'rolled-back');
    const after = (await getReindex(stores.db, started.row.id))!;
    assert.equal(after.status, 'rolled-back');
    assert.match(after.error ?? '', /cancelled during retention: changed my mind/);
    assert.equal(await stores.vectors.resolveAlias(alias), old, 'cancel during retention points the alias back');
    assert.deepEqual(await stores.vectors.listCollections(row.collection!), [], 'and drops the new version');
  });

  test('two concurrent starts for the same target make one saga', async () => {
    const target = `${NEW_MODEL}@concurrent`;
    const [a, b] = await Promise.all([
      startReindex(harness.client.temporal, config, stores.db, {
        model: NEW_MODEL,
        targetVersion: target,
        options: { ...FAST, throttleMs: 200 },
      }),
      startReindex(harness.client.temporal, config, stores.db, {
        model: NEW_MODEL,
        targetVersion: target,
        options: { ...FAST, throttleMs: 200 },
      }),
    ]);
    assert.equal(a.workflowId, b.workflowId);
    assert.deepEqual([a.created, b.created].sort(), [false, true]);
    assert.equal(
      (await stores.db.query('SELECT count(*)::int AS n FROM reindex_control WHERE target_version = $1', [target]))
        .rows[0].n,
      1,
    );
    // Pause, check it holds, resume... then cancel: compensated, old version untouched.
    const old = await stores.vectors.resolveAlias(alias);
    await saga(a.workflowId).signal('pause');
    await waitFor(async () => ((await sagaState(a.workflowId)).state === 'paused' ? true : undefined), 'paused');
    const frozen = (await sagaState(a.workflowId)).backfilled;
    // Proof from history, not from waiting: a second pause makes the paused saga run a workflow task,
    // and nothing between the first pause and the resume schedules a backfill page.
    await saga(a.workflowId).signal('pause');
    await waitFor(async () => {
      const events = (await saga(a.workflowId).fetchHistory()).events!;
      const signals = events.flatMap((e, i) =>
        e.workflowExecutionSignaledEventAttributes?.signalName === 'pause' ? [i] : [],
      );
      return signals.length === 2 && events.slice(signals[1]).some((e) => e.workflowTaskCompletedEventAttributes)
        ? true
        : undefined;
    }, 'the second pause handled');
    await saga(a.workflowId).signal('resume');
    const events = (await saga(a.workflowId).fetchHistory()).events!;
    const firstPause = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'pause');
    const resume = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'resume');
    assert.ok(firstPause > 0 && resume > firstPause);
    assert.equal(
      events
        .slice(firstPause, resume)
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'backfillPage').length,
      0,
      'a paused saga schedules no backfill',
    );
    await waitFor(
      async () => ((await sagaState(a.workflowId)).backfilled > frozen ? true : undefined),
      'progress after resume',
    );
    await saga(a.workflowId).signal('cancel', { reason: 'test cancel' });
    const view = (await saga(a.workflowId).result()) as ReindexStatusView;
    assert.equal(view.state, 'cancelled');
    assert.equal((await getReindex(stores.db, a.row.id))!.status, 'cancelled');
    assert.equal(await stores.vectors.resolveAlias(alias), old);
  });

  test('cutover under live searches and chat turns: zero failed searches, versions switch once; rollback restores the old', async (t) => {
    const old = (await stores.vectors.resolveAlias(alias))!;
    const embedders = createEmbedderRegistry(config);
    let stop = false;
    let failures = 0;
    const searchVersions: string[] = [];
    const searches = (async () => {
      while (!stop) {
        try {
          // What the retriever does: pin the concrete collection, embed with its model, search.
          const collection = (await stores.vectors.resolveAlias(alias))!;
          const info = (await stores.vectors.describeCollection(collection))!;
          const embedder = await embedders.get(info.identity.model);
          const [vector] = await embedder.embed(['How long is the warranty?']);
          const hits = await stores.vectors.search({
            collection,
            tenant: tenants[1]!,
            vector: vector!,
            identity: embedder.identity,
            limit: 3,
          });
          assert.ok(hits.length > 0);
          searchVersions.push(collection);
        } catch {
          failures += 1;
        }
      }
    })();
    const turnVersions: string[] = [];
    const turns = (async () => {
      for (let i = 0; !stop; i++) {
        const reply = await harness.client.chat(
          tenants[0]!,
          'during-reindex',
          `How long is the Aurora Kettle warranty? (${i})`,
        );
        assert.ok(reply.citations.length > 0, 'every answer cites a passage');
        turnVersions.push(reply.indexVersion);
      }
    })();
    // However the test ends, the load stops: a failure before `stop` would otherwise keep it running.
    t.after(async () => {
      stop = true;
      await Promise.allSettled([searches, turns]);
    });
    const started = await startReindex(harness.client.temporal, config, stores.db, { model: NEW_MODEL, options: FAST });
    await waitFor(
      async () => ((await sagaState(started.workflowId)).state === 'retaining' ? true : undefined),
      'cutover',
    );
    const fresh = (await stores.vectors.resolveAlias(alias))!;
    // Let both loads reach the new version before stopping them.
    await waitFor(
      async () => (searchVersions.includes(fresh) && turnVersions.includes(fresh) ? true : undefined),
      'searches and turns on the new version',
    );
    stop = true;
    await Promise.all([searches, turns]);

    assert.notEqual(fresh, old);
    assert.equal(failures, 0, 'no search failed');
    for (const versions of [searchVersions, turnVersions]) {
      assert.ok(versions.includes(old) && versions.includes(fresh), 'load ran before and after the cutover');
      const firstNew = versions.indexOf(fresh);
      assert.ok(
        versions.slice(0, firstNew).every((v) => v === old) && versions.slice(firstNew).every((v) => v === fresh),
        'old until the cutover, new after',
      );
    }
    // The queried state leads the row by one activity: the row is awaited, not read at once.
    const row = await waitFor(async () => {
      const current = (await getReindex(stores.db, started.row.id))!;
      return current.status === 'retaining' ? current : undefined;
    }, 'the row in retention');
    assert.ok(row.completedAt instanceof Date);
    const registry = (
      await stores.db.query(
        'SELECT tenant, count(*)::int AS n FROM chunks c JOIN documents d USING (tenant, doc_id) WHERE c.version = d.live_version GROUP BY tenant',
      )
    ).rows;
    for (const r of registry)
      assert.equal(
        await stores.vectors.count(fresh, { tenant: r.tenant }),
        r.n,
        `tenant ${r.tenant} has every chunk in the new version`,
      );

    // The adapter refuses an old-model query vector against the new collection.
    const oldEmbedder = await embedders.get(OLD_MODEL);
    const [oldVector] = await oldEmbedder.embed(['warranty']);
    await assert.rejects(
      stores.vectors.search({
        collection: fresh,
        tenant: tenants[0]!,
        vector: oldVector!,
        identity: oldEmbedder.identity,
        limit: 3,
      }),
      (e: unknown) => e instanceof MemflowError && e.code === 'EMBEDDING_MISMATCH',
    );

    // Documents ingested after the cutover land in both versions (the old one is retained for rollback).
    await ingestFor(harness, tenants[1]!, [path.join(CORPUS, 'basalt-cli-configuration.md')]);
    const tenantCount = (
      await stores.db.query(
        'SELECT count(*)::int AS n FROM chunks c JOIN documents d USING (tenant, doc_id) WHERE c.tenant = $1 AND c.version = d.live_version',
        [tenants[1]],
      )
    ).rows[0].n;
    assert.equal(await stores.vectors.count(fresh, { tenant: tenants[1]! }), tenantCount);
    assert.equal(await stores.vectors.count(old, { tenant: tenants[1]! }), tenantCount);

    await saga(started.workflowId).signal('rollback');
    const view = (await saga(started.workflowId).result()) as ReindexStatusView;
    await recordHistory(saga(started.workflowId), 'reindex-saga-rollback');
    assert.equal(view.state, 'rolled-back');
    assert.equal(await stores.vectors.resolveAlias(alias), old);
    const reply = await harness.client.chat(tenants[0]!, 'after-rollback', 'How long is the Aurora Kettle warranty?');
    assert.equal(reply.indexVersion, old, 'answers come from the old version again');
    assert.equal(reply.citations[0]?.source, 'aurora-kettle-warranty.md');
    assert.equal((await getReindex(stores.db, started.row.id))!.status, 'rolled-back');
    assert.equal((await stores.vectors.listCollections(fresh)).length, 0, 'the rolled-back version is dropped');
    await embedders.close();
  });

  test('a worker killed mid-backfill: the saga resumes from the heartbeat with the exact chunk count', async () => {
    await harness.stopWorker(); // only the killable process polls this queue now
    const env = { TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, OPENAI_BASE_URL: '', OPENAI_API_KEY: '' };
    let worker = await spawnWorker(env);
    try {
      const started = await startReindex(harness.client.temporal, config, stores.db, {
        model: NEW_MODEL,
        targetVersion: `${NEW_MODEL}@kill`,
        options: { ...FAST, pageSize: 1000, batchSize: 4, throttleMs: 250, retentionMs: 1000 },
      });
      const collection = await waitFor(
        async () => (await getReindex(stores.db, started.row.id))?.collection ?? undefined,
        'the new collection',
      );
      await waitFor(
        async () =>
          (await stores.vectors.count(collection, { allTenants: true }).catch(() => 0)) >= 8 ? true : undefined,
        'a few backfilled batches',
      );
      worker.kill('SIGKILL');
      await waitForExit(worker);
      const atKill = await stores.vectors.count(collection, { allTenants: true });
      worker = await spawnWorker(env);
      const view = (await saga(started.workflowId).result()) as ReindexStatusView;
      assert.equal(view.state, 'completed');
      const total = (
        await stores.db.query(
          'SELECT count(*)::int AS n FROM chunks c JOIN documents d USING (tenant, doc_id) WHERE c.version = d.live_version',
        )
      ).rows[0].n;
      assert.ok(atKill < total, `killed mid-backfill (${atKill} of ${total})`);
      assert.equal(
        await stores.vectors.count(collection, { allTenants: true }),
        total,
        'exactly the registry chunks, once each',
      );
      const history = await saga(started.workflowId).fetchHistory();
      // History holds payloads as Temporal stores them, encrypted: decode as the client would.
      const codec = payloadCodec(config)!;
      const results: { resumedFrom?: number }[] = [];
      for (const e of history.events!) {
        const payload = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
        if (!payload?.data?.length) continue;
        const [plain] = await codec.decode([payload]);
        const result = defaultPayloadConverter.fromPayload<{ resumedFrom?: number } | undefined>(plain!);
        if (result?.resumedFrom !== undefined) results.push(result);
      }
      assert.ok(
        results.some((r) => r.resumedFrom! > 0),
        'the retried backfill continued from its last heartbeat, not from the start',
      );
      assert.equal(view.backfilled, total);
    } finally {
      worker.kill('SIGTERM');
      await waitForExit(worker);
    }
  });
  test('a failing drop after retention is retried: the alias stays on the new version, the row says what is pending', async () => {
    // The kill test left NEW_MODEL live and stopped the in-process worker: re-embed back to OLD_MODEL
    // on a worker process, with the drop of the retained version failing twice.
    const worker = await spawnWorker({
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      OPENAI_BASE_URL: '',
      OPENAI_API_KEY: '',
    });
    try {
      await failingDropIsRetried();
    } finally {
      worker.kill('SIGTERM');
      await waitForExit(worker);
    }
  });

  async function failingDropIsRetried(): Promise<void> {
    const current = (await stores.vectors.resolveAlias(alias))!;
    const started = await startReindex(harness.client.temporal, config, stores.db, {
      model: OLD_MODEL,
      targetVersion: `${OLD_MODEL}@fail-drop`,
      options: { ...FAST, failAt: 'drop', retentionMs: 500 },
    });
    const pending = await waitFor(
      async () => (await getReindex(stores.db, started.row.id))?.pending ?? undefined,
      'a failed drop recorded in the row',
    );
    assert.match(
      pending,
      new RegExp(`drop the previous version ${current}: attempt \\d failed .*Fault injected at step drop`),
    );
    const row = (await getReindex(stores.db, started.row.id))!;
    assert.equal(row.status, 'retaining');
    assert.equal(row.previousCollection, current);
    assert.equal(await stores.vectors.resolveAlias(alias), row.collection, 'the alias stays on the new version');
    const view = (await saga(started.workflowId).result()) as ReindexStatusView;
    await recordHistory(saga(started.workflowId), 'reindex-saga-completed');
    assert.equal(view.state, 'completed');
    const done = (await getReindex(stores.db, started.row.id))!;
    assert.equal(done.status, 'completed');
    assert.equal(done.pending, null);
    assert.equal(await stores.vectors.resolveAlias(alias), row.collection);
    assert.deepEqual(await stores.vectors.listCollections(current), [], 'the previous version is dropped at last');
  }
});
