/**
 * Search latency and recall at scale through the adapter, per Milvus flavor, on a private stack
 * each: N synthetic clustered unit vectors (bench/support/search-dataset.ts) spread over T tenants
 * are written with `MilvusVectorStore.upsert`, then Q queries near random centroids, each with a
 * random tenant, are searched one at a time with `MilvusVectorStore.search` (tenant filter, limit
 * 10). Latency is per call; recall@10 is against an exact brute-force cosine top-10 over that
 * tenant's vectors in JS. Every flavor gets the same data and queries, one after the other (never
 * two servers at once), and the table puts them side by side.
 * Fails (exit 1) only on wrong results: a hit from another tenant, or a count mismatch after the writes.
 *
 * Usage: node --import tsx bench/search.ts [--milvus lite|standalone|both (both)] [--chunks N (100000)]
 *        [--tenants T (10)] [--queries Q (200)] [--dim D (384)] [--batch B (2000)] [--timeout-minutes M (15, per flavor)]
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MilvusVectorStore } from '../adapters/milvus/milvus-store';
import type { MemflowConfig } from '../config/config';
import { loadConfig } from '../config/config';
import { errorMessage } from '../contracts/errors';
import { MILVUS } from '../devstack/milvus-server';
import { ensureMilvusStandaloneInstalled } from '../devstack/milvus-standalone-install';
import { runningRecord } from '../devstack/processes';
import { UsageError, integer, startBench } from './support/cli-options';
import { startCpuMeter } from './support/cpu-meter';
import {
  folderMiB,
  liteIndexBackend,
  liteSegments,
  processTreeMiB,
  sealAndIndexStandalone,
  standaloneIndexBackend,
  standaloneSegments,
  waitForIdle,
} from './support/milvus-settle';
import type { PrivateStack } from './support/private-stack';
import { withPrivateStack } from './support/private-stack';
import { formatTable, median, recordResult } from './support/results';
import type { SearchDataset } from './support/search-dataset';
import { CLUSTERS, K, NOISE, SEED, WARMUP_QUERIES, searchDataset } from './support/search-dataset';
import { dot } from './support/synthetic-vectors';

type Flavor = MemflowConfig['milvus']['flavor'];
const GOAL = { p50Ms: 10, p99Ms: 25, recall: 0.95 };
const USAGE =
  'Usage: node --import tsx bench/search.ts [--milvus lite|standalone|both (both)] [--chunks N (100000)] ' +
  '[--tenants T (10)] [--queries Q (200)] [--dim D (384)] [--batch B (2000)] [--timeout-minutes M (15, per flavor)]';

interface Options {
  flavors: Flavor[];
  /** `--milvus` was given: a standalone that cannot be installed fails the run instead of being skipped. */
  flavorsAsked: boolean;
  chunks: number;
  tenants: number;
  queries: number;
  dim: number;
  batch: number;
  timeoutMinutes: number;
}

type Log = (line: string) => void;

function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: Object.fromEntries(
      ['milvus', 'chunks', 'tenants', 'queries', 'dim', 'batch', 'timeout-minutes'].map((name) => [
        name,
        { type: 'string' },
      ]),
    ) as Record<string, { type: 'string' }>,
  });
  const milvus = v.milvus ?? 'both';
  if (!['lite', 'standalone', 'both'].includes(milvus))
    throw new UsageError(`--milvus must be lite, standalone or both, got ${JSON.stringify(milvus)}.`);
  const tenants = integer('tenants', v.tenants, 10, 1);
  return {
    flavors: milvus === 'both' ? ['lite', 'standalone'] : [milvus as Flavor],
    flavorsAsked: v.milvus !== undefined,
    chunks: integer('chunks', v.chunks, 100_000, tenants * K),
    tenants,
    queries: integer('queries', v.queries, 200, 1),
    dim: integer('dim', v.dim, 384, 2),
    batch: integer('batch', v.batch, 2000, 1),
    timeoutMinutes: integer('timeout-minutes', v['timeout-minutes'], 15, 1),
  };
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? Number.NaN;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

async function runFlavor(stack: PrivateStack, data: SearchDataset, options: Options, log: Log, signal: AbortSignal) {
  const { config } = stack;
  const flavor = config.milvus.flavor;
  const store = new MilvusVectorStore({ address: config.milvus.address, flavor });
  stack.onTeardown(() => store.close());
  const milvusPid = runningRecord(config.paths.run, MILVUS)?.pid;
  const collection = `${config.milvus.collectionPrefix}_search`;
  const info = await store.createCollection(collection, data.identity);

  const batchMs: number[] = [];
  const insertMeter = startCpuMeter([process.pid, ...(milvusPid ? [milvusPid] : [])]);
  const insertStart = performance.now();
  for (let from = 0; from < options.chunks; from += options.batch) {
    signal.throwIfAborted();
    const rows = Array.from({ length: Math.min(options.batch, options.chunks - from) }, (_, j) => data.row(from + j));
    const t0 = performance.now();
    await store.upsert(collection, rows);
    batchMs.push(performance.now() - t0);
    if (batchMs.length % 10 === 0) log(`${flavor}: upserted ${from + rows.length} rows`);
  }
  const insertSeconds = (performance.now() - insertStart) / 1000;
  const insertCpu = insertMeter.stop();
  const stored = await store.count(collection, { allTenants: true });
  // Standalone: seal the growing segments and wait for their HNSW (what Milvus does by itself once a
  // segment is full or idle for 10 minutes). Then, for both, wait until the server's CPU is quiet.
  const sealed =
    flavor === 'standalone'
      ? await sealAndIndexStandalone(config.milvus.address, collection, options.chunks, signal)
      : undefined;
  const idle = await waitForIdle(milvusPid, signal);
  const segments =
    flavor === 'standalone'
      ? await standaloneSegments(config.milvus.address, collection)
      : liteSegments(stack.home, collection);
  const memoryAfterInsert = processTreeMiB(milvusPid);
  log(
    `${flavor}: inserted ${stored} rows in ${insertSeconds.toFixed(1)}s` +
      (sealed ? `; sealed and indexed ${sealed.settled ? 'after' : 'NOT within'} ${sealed.sealSeconds}s` : '') +
      `; Milvus ${idle.settled ? 'idle again' : 'STILL BUSY'} after ${idle.settleSeconds}s more; ` +
      `segments: ${segments ? `${segments.segments}, ${segments.indexed} with a vector index` : 'unknown'}`,
  );

  const search = (q: SearchDataset['timed'][number]) =>
    store.search({
      collection,
      tenant: data.tenantNames[q.tenant]!,
      vector: Array.from(q.vector),
      identity: data.identity,
      limit: K,
    });
  for (const q of data.warmup) await search(q);
  const samples: { ms: number; hits: Awaited<ReturnType<typeof search>> }[] = [];
  const loadAverage1m = round2(os.loadavg()[0]!);
  const meter = startCpuMeter([process.pid, ...(milvusPid ? [milvusPid] : [])]);
  for (const q of data.timed) {
    signal.throwIfAborted();
    const t0 = performance.now();
    const hits = await search(q);
    samples.push({ ms: performance.now() - t0, hits });
  }
  const searchCpu = meter.stop();
  const memoryAfterSearch = processTreeMiB(milvusPid);

  // Untimed: exact ground truth, recall, tenant isolation and score sanity.
  let wrongTenant = 0;
  let maxScoreError = 0;
  const recalls = data.timed.map((q, n) => {
    const want = data.exactIds(q);
    const hits = samples[n]!.hits;
    for (const h of hits) {
      if (h.tenant !== data.tenantNames[q.tenant]) wrongTenant += 1;
      maxScoreError = Math.max(maxScoreError, Math.abs(h.score - dot(q.vector, data.vectors[Number(h.id.slice(1))]!)));
    }
    return hits.filter((h) => want.has(h.id)).length / want.size;
  });
  return {
    flavor,
    indexBackend:
      flavor === 'standalone'
        ? await standaloneIndexBackend(config.milvus.address, stack.home)
        : liteIndexBackend(config.paths.venv),
    hybrid: info.hybrid,
    stored,
    insert: {
      seconds: round2(insertSeconds),
      rowsPerSecond: Math.round(options.chunks / insertSeconds),
      batchMsMedian: Math.round(median(batchMs)),
      batchMsMax: Math.round(Math.max(...batchMs)),
      cpu: insertCpu,
      sealSeconds: sealed?.sealSeconds,
      sealed: sealed?.settled,
      settleSeconds: idle.settleSeconds,
      settled: idle.settled,
      segments,
    },
    latencies: samples.map((s) => s.ms).sort((a, b) => a - b),
    recalls,
    wrongTenant,
    maxScoreError,
    searchCpu,
    loadAverage1m,
    memoryMiB: { afterInsert: memoryAfterInsert, afterSearch: memoryAfterSearch },
    diskMiB: folderMiB(path.join(stack.home, 'data')),
  };
}

type FlavorRun = Awaited<ReturnType<typeof runFlavor>>;

function summarize(run: FlavorRun, options: Options) {
  const ms = (p: number) => round2(percentile(run.latencies, p));
  const latency = {
    p50: ms(50),
    p95: ms(95),
    p99: ms(99),
    max: ms(100),
    mean: round2(run.latencies.reduce((a, b) => a + b, 0) / run.latencies.length),
  };
  const recall = {
    mean: Math.round((run.recalls.reduce((a, b) => a + b, 0) / run.recalls.length) * 1000) / 1000,
    min: Math.min(...run.recalls),
  };
  const meets = { p50: latency.p50 <= GOAL.p50Ms, p99: latency.p99 <= GOAL.p99Ms, recall: recall.mean >= GOAL.recall };
  const violations: string[] = [];
  if (run.stored !== options.chunks)
    violations.push(`Milvus counts ${run.stored} rows, ${options.chunks} were written`);
  if (run.wrongTenant > 0) violations.push(`${run.wrongTenant} hits came from another tenant`);
  return { latency, recall, meets, violations };
}

/** The flavors to run: a default run skips standalone (with a warning) when it cannot be installed. */
function installableFlavors(options: Options, log: Log): Flavor[] {
  if (!options.flavors.includes('standalone')) return options.flavors;
  try {
    ensureMilvusStandaloneInstalled(loadConfig(), log);
    return options.flavors;
  } catch (err) {
    if (options.flavorsAsked) throw err;
    log(`WARNING: Milvus standalone cannot be installed, measuring milvus-lite only: ${errorMessage(err)}`);
    return options.flavors.filter((f) => f !== 'standalone');
  }
}

async function main(): Promise<number> {
  const started = startBench(parseOptions, USAGE);
  if (!started) return 2;
  const { options, log, start } = started;
  const flavors = installableFlavors(options, log);
  const data = searchDataset(options);
  log(
    `generated ${options.chunks} vectors × ${options.dim} in ${CLUSTERS} clusters, tenants of ${data.byTenant.map((t) => t.length).join('/')}`,
  );
  const runs: FlavorRun[] = [];
  for (const flavor of flavors) {
    runs.push(
      await withPrivateStack(
        { label: 'bench', log, timeoutMinutes: options.timeoutMinutes, milvusFlavor: flavor },
        (stack, signal) => runFlavor(stack, data, options, log, signal),
      ),
    );
  }
  const summaries = runs.map((run) => ({ run, ...summarize(run, options) }));

  const sizes = data.byTenant.map((t) => t.length);
  console.log(
    `\nSearch through MilvusVectorStore: ${options.chunks} chunks × ${options.dim} dims, ${options.tenants} tenants ` +
      `(${Math.min(...sizes)}–${Math.max(...sizes)} each), ${options.queries} sequential queries, top ${K}, tenant filter, dense only`,
  );
  for (const { run } of summaries) {
    const seg = run.insert.segments;
    console.log(
      `${run.flavor}: ${run.indexBackend}; insert ${run.insert.rowsPerSecond} rows/s (${run.insert.seconds}s, batches of ` +
        `${options.batch}: median ${run.insert.batchMsMedian} ms, max ${run.insert.batchMsMax} ms)` +
        (run.insert.sealSeconds !== undefined ? `, sealed + indexed in ${run.insert.sealSeconds}s` : '') +
        `, idle ${run.insert.settled ? '' : 'NOT '}after ${run.insert.settleSeconds}s more` +
        (seg ? `; ${seg.segments} segments, ${seg.indexed} indexed` : ''),
    );
  }
  const yes = (ok: boolean) => (ok ? '' : ' ✗');
  const mib = (m: { rss: number } | undefined) => (m ? String(Math.round(m.rss)) : 'n/a');
  console.log(
    `\n${formatTable(
      [
        'milvus',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'recall@10',
        'worst',
        'CPU ms/search',
        'others CPU',
        'load',
        'rows/s',
        'RSS MiB',
        'disk MiB',
      ],
      [
        ...summaries.map(({ run, latency, recall, meets }) => [
          run.flavor,
          `${latency.p50}${yes(meets.p50)}`,
          String(latency.p95),
          `${latency.p99}${yes(meets.p99)}`,
          String(latency.max),
          `${recall.mean.toFixed(3)}${yes(meets.recall)}`,
          recall.min.toFixed(1),
          run.searchCpu ? String(round2((run.searchCpu.ownSeconds * 1000) / options.queries)) : 'n/a',
          run.searchCpu ? `${Math.round(run.searchCpu.otherShare * 100)}%` : 'n/a',
          String(run.loadAverage1m),
          String(run.insert.rowsPerSecond),
          mib(run.memoryMiB.afterSearch),
          String(run.diskMiB),
        ]),
        ['goal', `≤ ${GOAL.p50Ms}`, '', `≤ ${GOAL.p99Ms}`, '', `≥ ${GOAL.recall}`],
      ],
    )}`,
  );
  console.log(
    '✗ = goal not met. CPU ms/search: this process plus Milvus; others CPU: the rest of the machine during the searches.',
  );

  const violations = summaries.flatMap(({ run, violations: v }) => v.map((x) => `${run.flavor}: ${x}`));
  const file = recordResult('search', {
    start,
    // Inserting and searching are the measured regions; waiting for Milvus to settle is not.
    cpu: runs.flatMap((run) => [run.insert.cpu, run.searchCpu]),
    params: {
      ...options,
      k: K,
      clusters: CLUSTERS,
      noise: NOISE,
      seed: SEED,
      warmupQueries: WARMUP_QUERIES,
      metric: 'COSINE',
    },
    results: {
      tenantSizes: sizes,
      goal: GOAL,
      flavors: summaries.map(({ run, latency, recall, meets, violations: v }) => ({
        milvus: { flavor: run.flavor, indexBackend: run.indexBackend, hybridCollection: run.hybrid },
        insert: run.insert,
        latencyMs: latency,
        recallAt10: recall,
        maxScoreError: run.maxScoreError,
        searchCpu: run.searchCpu,
        loadAverage1mAtSearch: run.loadAverage1m,
        noisy: (run.searchCpu?.otherShare ?? 0) > 0.15,
        memoryMiB: run.memoryMiB,
        diskMiB: run.diskMiB,
        meetsGoal: meets.p50 && meets.p99 && meets.recall,
        violations: v,
      })),
      violations,
      ok: violations.length === 0,
    },
  });
  console.log(`results appended to ${file}`);
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
