/**
 * Search latency and recall at scale through the adapter, on a private stack: N synthetic
 * clustered unit vectors (bench/support/synthetic-vectors.ts) spread over T tenants are written with
 * `MilvusVectorStore.upsert`, then Q queries near random centroids, each with a random tenant, are
 * searched one at a time with `MilvusVectorStore.search` (tenant filter, limit 10). Latency is per
 * call; recall@10 is against an exact brute-force cosine top-10 over that tenant's vectors in JS.
 * Fails (exit 1) only on wrong results: a hit from another tenant, or a count mismatch after the writes.
 *
 * Usage: node --import tsx bench/search.ts [--chunks N (100000)] [--tenants T (10)] [--queries Q (200)]
 *        [--dim D (384)] [--batch B (2000)] [--timeout-minutes M (15)]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { MilvusVectorStore } from '../activities/milvus/milvus-store';
import type { ChunkRow, EmbeddingIdentity } from '../activities/milvus/vector-store';
import { MILVUS } from '../src/stack/milvus-server';
import { runningRecord } from '../src/stack/processes';
import { startCpuMeter } from './support/cpu-meter';
import type { PrivateStack } from './support/private-stack';
import { withPrivateStack } from './support/private-stack';
import { appendResult, formatTable, gitRevision, machineInfo, median } from './support/results';
import { clusteredSpace, dot, exactTopK, seededRandom } from './support/synthetic-vectors';
import { integer } from './support/cli-options';

const K = 10;
const CLUSTERS = 200;
/** Noise norm relative to the unit centroid: same-cluster cosine ≈ 0.5, like related passages. */
const NOISE = 1;
const SEED = 20261123;
const WARMUP_QUERIES = 20;
const GOAL = { p50Ms: 10, p99Ms: 25, recall: 0.95 };
const USAGE =
  'Usage: node --import tsx bench/search.ts [--chunks N (100000)] [--tenants T (10)] [--queries Q (200)] ' +
  '[--dim D (384)] [--batch B (2000)] [--timeout-minutes M (15)]';

interface Options {
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
      ['chunks', 'tenants', 'queries', 'dim', 'batch', 'timeout-minutes'].map((name) => [name, { type: 'string' }]),
    ) as Record<string, { type: 'string' }>,
  });
  const tenants = integer('tenants', v.tenants, 10, 1);
  return {
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

/** milvus-lite builds AUTOINDEX as FAISS HNSW when faiss imports in its venv, else brute force. */
function liteIndexBackend(venv: string): string {
  try {
    const version = execFileSync(path.join(venv, 'bin', 'python'), ['-c', 'import faiss; print(faiss.__version__)'], {
      encoding: 'utf8',
    }).trim();
    return `HNSW (faiss ${version}; M 16, efConstruction 200, ef 64)`;
  } catch {
    return 'brute force (no faiss)';
  }
}

/**
 * Waits until Milvus has finished its background compaction and index builds (its CPU goes quiet),
 * so the searches meet the index a long-lived collection has; `settled` false: it was still busy.
 */
async function waitForIdle(
  pid: number | undefined,
  signal: AbortSignal,
  maxMs = 300_000,
): Promise<{ settleSeconds: number; settled: boolean }> {
  const started = performance.now();
  let settled = pid === undefined;
  while (!settled && performance.now() - started < maxMs) {
    const meter = startCpuMeter([pid!]);
    await sleep(3000, undefined, { signal });
    settled = (meter.stop()?.ownSeconds ?? 0) < 0.1;
  }
  return { settleSeconds: round2((performance.now() - started) / 1000), settled };
}

/**
 * milvus-lite's on-disk segments of the collection and how many have a vector index file (best
 * effort: its internal layout). A segment without one is searched by brute force on every query.
 */
function liteSegments(home: string, collection: string): { segments: number; indexed: number } | undefined {
  const partitions = path.join(home, 'data', 'milvus', 'collections', collection, 'partitions');
  try {
    const files = fs.readdirSync(partitions).flatMap((p) => {
      const list = (sub: string) => fs.readdirSync(path.join(partitions, p, sub)).map((f) => `${sub}/${f}`);
      return [...list('data'), ...(fs.existsSync(path.join(partitions, p, 'indexes')) ? list('indexes') : [])];
    });
    return {
      segments: files.filter((f) => f.startsWith('data/') && f.endsWith('.parquet')).length,
      indexed: files.filter((f) => f.startsWith('indexes/') && f.endsWith('.vector.autoindex.idx')).length,
    };
  } catch {
    return undefined;
  }
}

async function runBench(stack: PrivateStack, options: Options, log: Log, signal: AbortSignal) {
  const { config } = stack;
  const store = new MilvusVectorStore({ address: config.milvus.address, flavor: config.milvus.flavor });
  stack.onTeardown(() => store.close());
  const milvusPid = runningRecord(config.paths.run, MILVUS)?.pid;
  const identity: EmbeddingIdentity = { model: `synthetic-${options.dim}`, dim: options.dim, metric: 'COSINE' };
  const collection = `${config.milvus.collectionPrefix}_search`;
  const info = await store.createCollection(collection, identity);

  const space = clusteredSpace({ dim: options.dim, clusters: CLUSTERS, noise: NOISE, seed: SEED });
  const tenantNames = Array.from({ length: options.tenants }, (_, i) => `tenant${i}`);
  const vectors: Float32Array[] = [];
  const byTenant: number[][] = tenantNames.map(() => []);
  const pick = seededRandom(SEED + 1); // tenants of chunks and queries
  const randomTenant = () => Math.floor(pick() * options.tenants);
  for (let i = 0; i < options.chunks; i += 1) {
    vectors.push(space.sample().vector);
    byTenant[randomTenant()]!.push(i);
  }
  const tenantOf = new Int32Array(options.chunks);
  byTenant.forEach((ids, t) => ids.forEach((i) => (tenantOf[i] = t)));
  log(
    `generated ${options.chunks} vectors × ${options.dim} in ${CLUSTERS} clusters, tenants of ${byTenant.map((t) => t.length).join('/')}`,
  );

  const row = (i: number): ChunkRow => ({
    id: `c${i}`,
    tenant: tenantNames[tenantOf[i]!]!,
    docId: `d${Math.floor(i / 50)}`,
    docVersion: 1,
    ordinal: i % 50,
    text: `synthetic chunk ${i}`,
    title: '',
    source: 'synthetic',
    headingPath: '',
    embeddingModel: identity.model,
    vector: Array.from(vectors[i]!),
  });
  const batchMs: number[] = [];
  const insertMeter = startCpuMeter([process.pid, ...(milvusPid ? [milvusPid] : [])]);
  const insertStart = performance.now();
  for (let from = 0; from < options.chunks; from += options.batch) {
    signal.throwIfAborted();
    const rows = Array.from({ length: Math.min(options.batch, options.chunks - from) }, (_, j) => row(from + j));
    const t0 = performance.now();
    await store.upsert(collection, rows);
    batchMs.push(performance.now() - t0);
    if (batchMs.length % 10 === 0) log(`upserted ${from + rows.length} rows`);
  }
  const insertSeconds = (performance.now() - insertStart) / 1000;
  const insertCpu = insertMeter.stop();
  const stored = await store.count(collection);
  const { settleSeconds, settled } = await waitForIdle(milvusPid, signal);
  const segments = liteSegments(stack.home, collection);
  log(`segments on disk: ${segments ? `${segments.segments}, ${segments.indexed} with a vector index` : 'unknown'}`);
  log(
    `inserted ${stored} rows in ${insertSeconds.toFixed(1)}s; Milvus ${settled ? 'idle again' : 'STILL BUSY'} after ${settleSeconds}s more`,
  );

  const queries = Array.from({ length: WARMUP_QUERIES + options.queries }, () => ({
    vector: space.sample().vector,
    tenant: randomTenant(),
  }));
  const search = (q: (typeof queries)[number]) =>
    store.search({ collection, tenant: tenantNames[q.tenant]!, vector: Array.from(q.vector), identity, limit: K });
  for (const q of queries.slice(0, WARMUP_QUERIES)) await search(q);

  const timed = queries.slice(WARMUP_QUERIES);
  const samples: { ms: number; hits: Awaited<ReturnType<typeof search>> }[] = [];
  const loadAverage1m = round2(os.loadavg()[0]!);
  const meter = startCpuMeter([process.pid, ...(milvusPid ? [milvusPid] : [])]);
  for (const q of timed) {
    signal.throwIfAborted();
    const t0 = performance.now();
    const hits = await search(q);
    samples.push({ ms: performance.now() - t0, hits });
  }
  const searchCpu = meter.stop();

  // Untimed: exact ground truth, recall, tenant isolation and score sanity.
  let wrongTenant = 0;
  let maxScoreError = 0;
  const recalls = timed.map((q, n) => {
    const exact = exactTopK(q.vector, vectors, byTenant[q.tenant]!, K);
    const want = new Set(exact.map((e) => `c${e.index}`));
    const hits = samples[n]!.hits;
    for (const h of hits) {
      if (h.tenant !== tenantNames[q.tenant]) wrongTenant += 1;
      const i = Number(h.id.slice(1));
      maxScoreError = Math.max(maxScoreError, Math.abs(h.score - dot(q.vector, vectors[i]!)));
    }
    return hits.filter((h) => want.has(h.id)).length / exact.length;
  });
  return {
    hybrid: info.hybrid,
    stored,
    tenantSizes: byTenant.map((t) => t.length),
    insert: {
      seconds: round2(insertSeconds),
      rowsPerSecond: Math.round(options.chunks / insertSeconds),
      batchMsMedian: Math.round(median(batchMs)),
      batchMsMax: Math.round(Math.max(...batchMs)),
      cpu: insertCpu,
      settleSeconds,
      settled,
      segments,
    },
    latencies: samples.map((s) => s.ms).sort((a, b) => a - b),
    recalls,
    wrongTenant,
    maxScoreError,
    searchCpu,
    loadAverage1m,
    indexBackend: liteIndexBackend(config.paths.venv),
  };
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const log: Log = (line) => console.error(`[bench] ${line}`);
  const startedAt = new Date();
  const machine = machineInfo();
  const run = await withPrivateStack({ label: 'bench', log, timeoutMinutes: options.timeoutMinutes }, (stack, signal) =>
    runBench(stack, options, log, signal),
  );

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
  const share = (s: number | undefined) => (s === undefined ? 'n/a' : `${Math.round(s * 100)}%`);

  console.log(
    `\nSearch through MilvusVectorStore (milvus-lite, AUTOINDEX → ${run.indexBackend}): ${options.chunks} chunks × ${options.dim} dims, ` +
      `${options.tenants} tenants (${Math.min(...run.tenantSizes)}–${Math.max(...run.tenantSizes)} each), ${options.queries} sequential queries, top ${K}, tenant filter, dense only`,
  );
  console.log(
    `insert: ${run.insert.rowsPerSecond} rows/s (${run.insert.seconds}s, batches of ${options.batch}: median ${run.insert.batchMsMedian} ms, max ${run.insert.batchMsMax} ms); ` +
      `background index build ${run.insert.settled ? 'settled' : 'NOT settled'} ${run.insert.settleSeconds}s later` +
      (run.insert.segments
        ? `; ${run.insert.segments.segments} segments, ${run.insert.segments.indexed} indexed\n`
        : '\n'),
  );
  const yes = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(
    formatTable(
      ['metric', 'goal', 'measured', ''],
      [
        ['p50 ms', `≤ ${GOAL.p50Ms}`, String(latency.p50), yes(meets.p50)],
        ['p95 ms', '', String(latency.p95), ''],
        ['p99 ms', `≤ ${GOAL.p99Ms}`, String(latency.p99), yes(meets.p99)],
        ['max ms', '', String(latency.max), ''],
        ['recall@10 (mean)', `≥ ${GOAL.recall}`, recall.mean.toFixed(3), yes(meets.recall)],
        ['recall@10 (worst query)', '', recall.min.toFixed(1), ''],
      ],
    ),
  );
  console.log(
    `\nothers CPU during the searches ${share(run.searchCpu?.otherShare)}, load average ${run.loadAverage1m}; ` +
      `own CPU ${run.searchCpu ? round2((run.searchCpu.ownSeconds * 1000) / options.queries) : 'n/a'} ms per search; ` +
      `max |score − exact cosine| ${run.maxScoreError.toExponential(1)}`,
  );

  const violations: string[] = [];
  if (run.stored !== options.chunks)
    violations.push(`Milvus counts ${run.stored} rows, ${options.chunks} were written`);
  if (run.wrongTenant > 0) violations.push(`${run.wrongTenant} hits came from another tenant`);
  const file = appendResult('search', {
    date: startedAt.toISOString(),
    elapsedSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    ...gitRevision(),
    machine,
    params: {
      ...options,
      k: K,
      clusters: CLUSTERS,
      noise: NOISE,
      seed: SEED,
      warmupQueries: WARMUP_QUERIES,
      metric: 'COSINE',
    },
    milvus: { flavor: 'lite', indexBackend: run.indexBackend, hybridCollection: run.hybrid },
    tenantSizes: run.tenantSizes,
    insert: run.insert,
    latencyMs: latency,
    recallAt10: recall,
    maxScoreError: run.maxScoreError,
    searchCpu: run.searchCpu,
    loadAverage1mAtSearch: run.loadAverage1m,
    noisy: (run.searchCpu?.otherShare ?? 0) > 0.15,
    goal: GOAL,
    meetsGoal: meets.p50 && meets.p99 && meets.recall,
    violations,
    ok: violations.length === 0,
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
