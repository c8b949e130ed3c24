/**
 * Search latency during a re-embed, next to a baseline in the same run, on a private stack: a
 * closed-loop load of chat-turn retrievals (bench/support/search-load.ts) runs alone (A), then while
 * `reindexSaga` re-embeds every chunk with another model and swaps the live alias (B, until the
 * saga is `retaining` plus 5 s), then alone again on the new version (C). Fails (exit 1) if any
 * search failed or any search that began after the cutover was served by the old collection.
 *
 * Usage: node --import tsx bench/reindex-search.ts [--docs N (40)] [--throttle-ms T (50)]
 *        [--concurrency C (2)] [--baseline-seconds S (30)] [--after-seconds S (15)] [--query-cache]
 *        [--corpus DIR] [--timeout-minutes M (10)]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import type { ChatDeps } from '../activities/chat/chat-deps';
import { pinIndex } from '../activities/chat/pin-index';
import { createEmbedderRegistry } from '../adapters/embed/embedder-registry';
import { QueryEmbeddingCache } from '../adapters/embed/query-embedding-cache';
import { MilvusVectorStore } from '../adapters/milvus/milvus-store';
import { startIngest } from '../client/ingest';
import { startReindex } from '../client/reindex';
import { REPO_ROOT } from '../config/config';
import { createPool } from '../adapters/postgres/pool';
import { MILVUS } from '../devstack/milvus-server';
import { runningRecord } from '../devstack/processes';
import { TEMPORAL } from '../devstack/temporal-server';
import { connectClient } from '../adapters/temporal/connection';
import type { ReindexStatusView } from '../contracts/reindex';
import { statusQuery } from '../contracts/reindex';
import { createWorker } from '../workers/worker';
import { benchCorpus } from './support/corpus';
import type { CpuUse } from './support/cpu-meter';
import { startCpuMeter } from './support/cpu-meter';
import type { PrivateStack } from './support/private-stack';
import { withPrivateStack } from './support/private-stack';
import { formatTable, recordResult } from './support/results';
import type { LatencySummary, SearchSample } from './support/search-load';
import { FIXTURE_QUESTIONS, POSTGRES_QUESTIONS, nowMs, startSearchLoad, summarize } from './support/search-load';
import { integer, startBench } from './support/cli-options';

const NEW_MODEL = 'paraphrase-minilm-l3-v2';
const TENANTS = ['alpha', 'beta', 'gamma'];
/** Phase B goes on this long after the saga reports `retaining`. */
const AFTER_RETAINING_MS = 5_000;
/** Searches that began this close to the alias swap form the "around cutover" row. */
const AROUND_CUTOVER_MS = 2_000;
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'corpus');
const USAGE =
  'Usage: node --import tsx bench/reindex-search.ts [--docs N (40)] [--throttle-ms T (50)] [--concurrency C (2)] ' +
  '[--baseline-seconds S (30)] [--after-seconds S (15)] [--query-cache] [--corpus DIR] [--timeout-minutes M (10)]';

interface Options {
  docs: number;
  throttleMs: number;
  concurrency: number;
  baselineSeconds: number;
  afterSeconds: number;
  queryCache: boolean;
  corpus?: string;
  timeoutMinutes: number;
}

type Log = (line: string) => void;

function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      docs: { type: 'string' },
      'throttle-ms': { type: 'string' },
      concurrency: { type: 'string' },
      'baseline-seconds': { type: 'string' },
      'after-seconds': { type: 'string' },
      'query-cache': { type: 'boolean' },
      corpus: { type: 'string' },
      'timeout-minutes': { type: 'string' },
    },
  });
  return {
    docs: integer('docs', v.docs, 40, TENANTS.length),
    throttleMs: integer('throttle-ms', v['throttle-ms'], 50, 0),
    concurrency: integer('concurrency', v.concurrency, 2, 1),
    baselineSeconds: integer('baseline-seconds', v['baseline-seconds'], 30, 1),
    afterSeconds: integer('after-seconds', v['after-seconds'], 15, 0),
    queryCache: v['query-cache'] ?? false,
    corpus: v.corpus,
    timeoutMinutes: integer('timeout-minutes', v['timeout-minutes'], 10, 1),
  };
}

/** What Temporal recorded of the saga: when it started and when each step's activities ran (epoch ms). */
async function sagaTimeline(client: Client, workflowId: string) {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const types = new Map<string, string>();
  const started = new Map<string, number>();
  const steps: Record<string, { count: number; firstStartedAt: number; lastCompletedAt: number }> = {};
  for (const e of events) {
    const at = tsToMs(e.eventTime);
    if (e.activityTaskScheduledEventAttributes) {
      types.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    } else if (e.activityTaskStartedEventAttributes) {
      started.set(String(e.activityTaskStartedEventAttributes.scheduledEventId), at);
    } else if (e.activityTaskCompletedEventAttributes) {
      const key = String(e.activityTaskCompletedEventAttributes.scheduledEventId);
      const type = types.get(key) ?? '?';
      const step = (steps[type] ??= { count: 0, firstStartedAt: started.get(key) ?? at, lastCompletedAt: at });
      step.count += 1;
      step.lastCompletedAt = at;
    }
  }
  return { startedAt: tsToMs(events[0]?.eventTime), steps };
}

interface PhaseMark {
  name: string;
  from: number;
  to: number;
  cpu?: CpuUse;
  loopP99Ms?: number;
  loopMaxMs?: number;
  loadAverage1m: number;
}

/** Marks phases on the shared timeline, with the CPU other processes used and this process's event-loop delay. */
function phaseClock(pids: number[]) {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const marks: PhaseMark[] = [];
  let meter: ReturnType<typeof startCpuMeter> | undefined;
  const close = () => {
    const last = marks[marks.length - 1];
    if (!last || last.to !== 0) return;
    last.to = nowMs();
    last.cpu = meter?.stop();
    last.loopP99Ms = Math.round(loop.percentile(99) / 1e4) / 100;
    last.loopMaxMs = Math.round(loop.max / 1e4) / 100;
  };
  return {
    marks,
    begin(name: string) {
      close();
      loop.reset();
      meter = startCpuMeter(pids);
      marks.push({ name, from: nowMs(), to: 0, loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100 });
    },
    end() {
      close();
      loop.disable();
    },
  };
}

async function runBench(stack: PrivateStack, options: Options, log: Log, signal: AbortSignal) {
  const { config } = stack;
  const manual = path.join(stack.base.home, 'corpus', 'postgres-docs', 'html', 'index.html');
  const dir = options.corpus ?? (fs.existsSync(manual) ? undefined : FIXTURES); // never downloads the manual
  const corpus = benchCorpus(stack.base, { dir, docs: options.docs, scratchDir: stack.home, log });
  if (corpus.files.length < TENANTS.length) throw new Error(`Only ${corpus.files.length} documents in ${corpus.dir}.`);
  const questions = corpus.name === 'postgres-docs' ? POSTGRES_QUESTIONS : FIXTURE_QUESTIONS;
  const tenants = TENANTS.map((t) => `${t}-${stack.runId}`);

  const client = await connectClient(config);
  const db = createPool(config.postgres.url, 4);
  const vectors = new MilvusVectorStore({ address: config.milvus.address, flavor: config.milvus.flavor });
  const embedders = createEmbedderRegistry(config);
  // Off by default: every search embeds its question (a TTL of 0 expires each vector at once).
  const queryCache = new QueryEmbeddingCache(
    options.queryCache ? { maxEntries: 5000, ttlMs: 30 * 60_000 } : { ttlMs: 0 },
  );
  const deps: ChatDeps = {
    db,
    vectors,
    embedders,
    queryCache,
    llm: undefined,
    collectionPrefix: config.milvus.collectionPrefix,
    ...config.chat,
  };
  const worker = await createWorker(config);
  const running = worker.run();
  let load: ReturnType<typeof startSearchLoad> | undefined;
  let closed: Promise<void> | undefined;
  // Also run by the stack's teardown after a time-out, before the database is dropped under the pools.
  const close = () =>
    (closed ??= (async () => {
      await load?.stop().catch(() => undefined);
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
      await running.catch((err: unknown) => log(`worker stopped with ${String(err)}`));
      await Promise.allSettled([client.connection.close(), db.end(), vectors.close(), embedders.close()]);
    })());
  stack.onTeardown(close);
  try {
    // Each tenant gets every third document: three tenants, one corpus's worth of chunks.
    const shares = tenants.map((_, t) => corpus.files.filter((_f, i) => i % tenants.length === t));
    const ingestStarted = nowMs();
    const ingest = async (t: number) => {
      const tenant = tenants[t]!;
      const request = { tenant, paths: shares[t]!, cwd: corpus.dir, workflowId: `bench/${tenant}` };
      return (await startIngest(client, config, db, request)).handle.result();
    };
    // The first tenant alone: concurrent first ingests race to create the live collection (and retry).
    const firstIngest = await ingest(0);
    const ingested = [firstIngest, ...(await Promise.all(tenants.slice(1).map((_, t) => ingest(t + 1))))];
    const chunks = ingested.reduce((sum, r) => sum + r.chunksWritten, 0);
    const rejected = ingested.reduce((sum, r) => sum + r.failed, 0);
    const ingestSeconds = Math.round(nowMs() - ingestStarted) / 1000;
    log(
      `corpus ${corpus.name}: ${corpus.files.length} documents (${rejected} rejected), ${chunks} chunks for ${tenants.length} tenants in ${ingestSeconds}s`,
    );

    const old = await pinIndex(deps);
    // A worker's registry has the new model loaded by the backfill before the cutover; so does this one.
    await Promise.all([embedders.get(old.identity.model), embedders.get(NEW_MODEL)]);
    const warm = startSearchLoad(deps, { tenants, questions, concurrency: options.concurrency });
    await sleep(3_000, undefined, { signal });
    await warm.stop();
    log(`warm-up: ${warm.samples.length} searches on ${old.collection} (${old.identity.model})`);

    const pids = [
      process.pid,
      ...[TEMPORAL, MILVUS].flatMap((name) => runningRecord(config.paths.run, name)?.pid ?? []),
    ];
    const clock = phaseClock(pids);
    load = startSearchLoad(deps, { tenants, questions, concurrency: options.concurrency });
    clock.begin('A baseline');
    log(`phase A: ${options.baselineSeconds}s of searches alone`);
    await sleep(options.baselineSeconds * 1000, undefined, { signal });

    clock.begin('B re-embed');
    const reindexOptions = { throttleMs: options.throttleMs, retentionMs: 60 * 60_000 };
    const reindex = await startReindex(client, config, db, { model: NEW_MODEL, options: reindexOptions });
    log(`phase B: ${reindex.workflowId} started (throttle ${options.throttleMs} ms)`);
    const saga = client.workflow.getHandle(reindex.workflowId);
    let view: ReindexStatusView;
    for (let polls = 0; ; polls++) {
      view = await saga.query(statusQuery);
      if (view.state === 'retaining') break;
      if (['compensating', 'failed', 'cancelled'].includes(view.state)) {
        throw new Error(`The re-embed saga is ${view.state}: ${view.error ?? 'no reason given'}.`);
      }
      if (polls % 40 === 0)
        log(`  saga ${view.state}, ${view.backfilled} chunks backfilled, ${load.samples.length} searches so far`);
      await sleep(250, undefined, { signal });
    }
    const retainingSeenAt = nowMs();
    log(`  saga retaining (cutover done); ${AFTER_RETAINING_MS / 1000}s more of phase B`);
    await sleep(AFTER_RETAINING_MS, undefined, { signal });
    if (options.afterSeconds > 0) {
      clock.begin('C after');
      log(`phase C: ${options.afterSeconds}s of searches alone on the new version`);
      await sleep(options.afterSeconds * 1000, undefined, { signal });
    }
    clock.end();
    await load.stop();
    const timeline = await sagaTimeline(client, reindex.workflowId);
    return {
      corpus,
      tenants,
      chunks,
      rejected,
      ingestSeconds,
      old,
      view,
      reindex,
      timeline,
      retainingSeenAt,
      marks: clock.marks,
      samples: load.samples,
    };
  } finally {
    await close();
  }
}

type BenchRun = Awaited<ReturnType<typeof runBench>>;

function analyze(run: BenchRun) {
  const { marks, samples, timeline, old } = run;
  const cutover = timeline.steps.cutover;
  if (!cutover) throw new Error('The saga history has no completed cutover activity.');
  const b = marks.find((m) => m.name.startsWith('B'))!;
  const first = marks[0]!;
  const last = marks[marks.length - 1]!;
  const rows: { name: string; summary: LatencySummary; mark?: PhaseMark }[] = [];
  for (const mark of marks) {
    rows.push({ name: mark.name, summary: summarize(samples, mark.from, mark.to), mark });
    if (mark === b) {
      rows.push({ name: '  B before cutover', summary: summarize(samples, b.from, cutover.firstStartedAt) });
      rows.push({
        name: `  B ±${AROUND_CUTOVER_MS / 1000}s of cutover`,
        summary: summarize(
          samples,
          cutover.firstStartedAt - AROUND_CUTOVER_MS,
          cutover.lastCompletedAt + AROUND_CUTOVER_MS,
        ),
      });
      rows.push({ name: '  B after cutover', summary: summarize(samples, cutover.lastCompletedAt, b.to) });
    }
  }
  const timed = samples.filter((s) => s.startedAt >= first.from && s.startedAt < last.to);
  const failed = timed.filter((s) => s.error !== undefined);
  // A search that began after the swap had completed pinned after it: it must be on the new version.
  const stale = timed.filter((s) => s.startedAt >= cutover.lastCompletedAt && s.collection === old.collection);
  const firstNew = timed.find((s) => s.collection !== undefined && s.collection !== old.collection);
  const slowest = (from: number, to: number) =>
    timed
      .filter((s) => s.startedAt >= from && s.startedAt < to)
      .sort((x, y) => y.ms - x.ms)
      .slice(0, 3);
  return {
    cutover,
    rows,
    failed,
    stale,
    firstNew,
    slowestAroundCutover: slowest(
      cutover.firstStartedAt - AROUND_CUTOVER_MS,
      cutover.lastCompletedAt + AROUND_CUTOVER_MS,
    ),
  };
}

const fmt = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '-' : String(n));

function describeSample(s: SearchSample, origin: number): string {
  return `${Math.round(s.ms)} ms at B+${((s.startedAt - origin) / 1000).toFixed(2)}s (${s.collection ?? 'no collection'}, ${s.tenant})`;
}

async function main(): Promise<number> {
  const started = startBench(parseOptions, USAGE);
  if (!started) return 2;
  const { options, log, start } = started;
  const run = await withPrivateStack({ label: 'bench', log, timeoutMinutes: options.timeoutMinutes }, (stack, signal) =>
    runBench(stack, options, log, signal),
  );
  const result = analyze(run);
  const b = run.marks.find((m) => m.name.startsWith('B'))!;
  const seconds = (ms: number) => Math.round(ms) / 1000;
  const reindexSeconds = seconds(result.cutover.lastCompletedAt - run.timeline.startedAt);
  const backfill = run.timeline.steps.backfillPage;

  console.log(
    `\nSearch latency (ms) around a re-embed to ${NEW_MODEL}: ${options.concurrency} clients, query cache ${options.queryCache ? 'on' : 'off'}, ` +
      `${run.chunks} chunks (${run.corpus.name}, ${run.corpus.files.length} docs, ${run.tenants.length} tenants), throttle ${options.throttleMs} ms`,
  );
  const header = [
    'phase',
    'searches',
    'errors',
    'empty',
    'per s',
    'p50',
    'p95',
    'p99',
    'max',
    'other CPU %',
    'loop p99',
    'load 1m',
  ];
  const table = result.rows.map(({ name, summary: s, mark }) => [
    name,
    String(s.searches),
    String(s.errors),
    String(s.empty),
    fmt(s.searchesPerSecond),
    fmt(s.p50),
    fmt(s.p95),
    fmt(s.p99),
    fmt(s.max),
    mark?.cpu ? String(Math.round(mark.cpu.otherShare * 100)) : '',
    fmt(mark?.loopP99Ms),
    mark ? String(mark.loadAverage1m) : '',
  ]);
  console.log(formatTable(header, table));
  console.log(
    `\nre-embed: ${reindexSeconds}s from the saga's start to the alias swap (backfill ${backfill ? seconds(backfill.lastCompletedAt - backfill.firstStartedAt) : '-'}s, ` +
      `${run.view.backfilled} chunks backfilled, ${run.view.totalChunks ?? '-'} validated, recall@5 ${run.view.validation?.recallAt5.toFixed(2) ?? '-'}, overlap@5 ${run.view.validation?.overlapAt5.toFixed(2) ?? '-'})`,
  );
  console.log(
    `cutover activity at B+${seconds(result.cutover.firstStartedAt - b.from)}s–${seconds(result.cutover.lastCompletedAt - b.from)}s; ` +
      `first search on ${run.view.collection}: ${result.firstNew ? `B+${seconds(result.firstNew.startedAt - b.from)}s` : 'none'}; ` +
      `saga seen retaining at B+${seconds(run.retainingSeenAt - b.from)}s`,
  );
  console.log(
    `slowest searches around the cutover: ${result.slowestAroundCutover.map((s) => describeSample(s, b.from)).join('; ') || 'none'}`,
  );

  const violations = [
    ...(result.failed.length > 0 ? [`${result.failed.length} searches failed, e.g. ${result.failed[0]!.error}`] : []),
    ...(result.stale.length > 0
      ? [`${result.stale.length} searches that began after the cutover were served by ${run.old.collection}`]
      : []),
  ];
  const file = recordResult('reindex-search', {
    start,
    params: {
      ...options,
      tenants: run.tenants.length,
      newModel: NEW_MODEL,
      oldModel: run.old.identity.model,
      retentionMs: 3_600_000,
    },
    cpu: run.marks.map((m) => m.cpu),
    results: {
      corpus: run.corpus.name,
      docs: run.corpus.files.length,
      rejectedDocs: run.rejected,
      chunks: run.chunks,
      ingestSeconds: run.ingestSeconds,
      phases: result.rows.map(({ name, summary, mark }) => ({
        phase: name.trim(),
        ...summary,
        ...(mark
          ? {
              seconds: seconds(mark.to - mark.from),
              otherCpuShare: mark.cpu?.otherShare,
              loopP99Ms: mark.loopP99Ms,
              loopMaxMs: mark.loopMaxMs,
              loadAverage1m: mark.loadAverage1m,
            }
          : {}),
      })),
      reindex: {
        seconds: reindexSeconds,
        backfilled: run.view.backfilled,
        totalChunks: run.view.totalChunks,
        validation: run.view.validation,
        steps: Object.fromEntries(
          Object.entries(run.timeline.steps).map(([type, s]) => [
            type,
            {
              count: s.count,
              atSeconds: seconds(s.firstStartedAt - b.from),
              seconds: seconds(s.lastCompletedAt - s.firstStartedAt),
            },
          ]),
        ),
        cutoverAtSeconds: seconds(result.cutover.lastCompletedAt - b.from),
        firstNewSearchAtSeconds: result.firstNew ? seconds(result.firstNew.startedAt - b.from) : null,
        retainingSeenAtSeconds: seconds(run.retainingSeenAt - b.from),
      },
      slowestAroundCutover: result.slowestAroundCutover.map((s) => ({
        ms: Math.round(s.ms),
        atSeconds: seconds(s.startedAt - b.from),
        collection: s.collection,
      })),
      violations,
      ok: violations.length === 0,
    },
  });
  console.log(
    `results appended to ${file} (whole run ${Math.round((Date.now() - start.startedAt.getTime()) / 1000)}s)`,
  );
  for (const v of violations) console.error(`FAILED: ${v}`);
  return violations.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? `bench failed: ${err.message}` : err);
    process.exit(1);
  },
);
