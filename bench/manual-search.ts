/**
 * Search on the whole PostgreSQL manual, backend by backend: what each leg of a hybrid search costs
 * at real size and what each combination finds, to choose the default by the numbers (issue 15,
 * item 4). The manual is ingested untimed through the product's ingest workflow into a private
 * milvus-lite stack (bench/support/turn-corpus.ts); the question set's questions are embedded once;
 * then, 50 deep (a turn's search depth) and one search at a time:
 *
 * - the default, what a turn runs (`searchLegs` with the `postgres` lexical leg): milvus-lite's dense
 *   leg fused with PostgreSQL full text over the registry's chunk text
 *   (adapters/postgres/chunk-text-search.ts);
 * - milvus-lite's dense leg fused with Milvus's BM25 (`searchLegs`, `MEMFLOW_LEXICAL_LEG=milvus`),
 *   the dense leg alone, the BM25 leg alone, PostgreSQL full text alone;
 * - Milvus standalone 2.3 (no BM25 before 2.5), holding the same rows with their vectors copied from
 *   milvus-lite, sealed and HNSW-indexed: its dense leg alone and fused with PostgreSQL full text
 *   (`searchLegs` on that store).
 *
 * Every configuration searches the same tenant (the partition key) with the same query vectors and
 * text; configurations take turns question by question (rotated), each round over all questions.
 * Latency is per search call (query embedding excluded: latency-budget measures a turn's retrieval
 * whole). Quality: the first round's 50-deep rankings folded to pages, scored against the question
 * set's expected pages (recall@1/5/10, MRR@10), as `memflow eval retrieval` scores the engine.
 * Never fails on timings; exits 1 when a hit comes from another tenant or on the time limit.
 *
 * Usage: node --import tsx bench/manual-search.ts [--docs N (all)] [--rounds R (3)]
 *        [--milvus lite|both (both)] [--timeout-minutes M (60)]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { Embedder } from '../adapters/embed/embedder';
import { buildFilter } from '../adapters/milvus/milvus-filter';
import { META_FIELDS, fromEntity } from '../adapters/milvus/milvus-schema';
import { MilvusVectorStore } from '../adapters/milvus/milvus-store';
import type { ChunkRow, VectorStore } from '../adapters/milvus/vector-store';
import { searchChunkText } from '../adapters/postgres/chunk-text-search';
import { countLiveChunks } from '../adapters/postgres/document-registry';
import { liveIndex } from '../adapters/postgres/vector-indexes';
import { searchLegs } from '../activities/chat/retrieve-chunks';
import type { RankedSearch } from '../activities/chat/retrieve-chunks';
import type { EmbeddingIdentity } from '../contracts/embedding';
import { SEARCH_DEPTH } from '../contracts/search';
import { scoreRetrieval } from '../contracts/retrieval-metrics';
import type { RetrievalReport } from '../contracts/retrieval-metrics';
import type { RetrievalQuestion } from '../contracts/retrieval-questions';
import { loadConfig } from '../config/config';
import { readQuestionFile } from '../evaluation/question-file';
import { MILVUS } from '../devstack/milvus-server';
import { ensureMilvusStandaloneInstalled } from '../devstack/milvus-standalone-install';
import { runningRecord } from '../devstack/processes';
import { UsageError, integer, startBench } from './support/cli-options';
import type { CpuUse } from './support/cpu-meter';
import { startCpuMeter } from './support/cpu-meter';
import { sealAndIndexStandalone, standaloneIndexBackend, waitForIdle } from './support/milvus-settle';
import type { PrivateStack } from './support/private-stack';
import { withPrivateStack } from './support/private-stack';
import { formatTable, recordResult } from './support/results';
import type { Percentiles } from './support/turn-latency-stack';
import { percentiles, startChatBench } from './support/turn-latency-stack';
import type { IngestedCorpus } from './support/turn-corpus';
import { MANUAL_QUESTIONS_FILE, ingestTurnCorpus } from './support/turn-corpus';

const USAGE =
  'Usage: node --import tsx bench/manual-search.ts [--docs N (all)] [--rounds R (3)] [--milvus lite|both (both)] ' +
  '[--timeout-minutes M (60)]';

/** Questions searched by every configuration before the timed rounds. */
const WARMUP_QUESTIONS = 10;
/** Rows per request when copying milvus-lite's rows (vectors included) into standalone. */
const COPY_BATCH = 500;

interface Options {
  docs?: number;
  rounds: number;
  standalone: boolean;
  timeoutMinutes: number;
}

function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      docs: { type: 'string' },
      rounds: { type: 'string' },
      milvus: { type: 'string' },
      'timeout-minutes': { type: 'string' },
    },
  });
  const milvus = v.milvus ?? 'both';
  if (!['lite', 'both'].includes(milvus))
    throw new UsageError(`--milvus must be lite or both, got ${JSON.stringify(milvus)}.`);
  return {
    ...(v.docs !== undefined ? { docs: integer('docs', v.docs, 0, 1) } : {}),
    rounds: integer('rounds', v.rounds, 3, 1),
    standalone: milvus === 'both',
    timeoutMinutes: integer('timeout-minutes', v['timeout-minutes'], 60, 1),
  };
}

/** A ranked hit as every configuration returns it: enough to fold to pages and check the tenant. */
interface RankedHit {
  id: string;
  source: string;
  tenant?: string;
}

interface Question extends RetrievalQuestion {
  vector: number[];
}

interface Configuration {
  name: string;
  label: string;
  milvus: 'lite' | 'standalone' | null;
  lexical: 'milvus-bm25' | 'postgres-fulltext' | null;
  dense: boolean;
  search(q: Question): Promise<RankedHit[]>;
}

interface ConfigurationRun {
  config: Configuration;
  ms: number[];
  /** The first round's ranking per question, in question order. */
  rankings: RankedHit[][];
}

/** The configuration a turn runs (contracts/search.ts: the `postgres` lexical leg is the default). */
const DEFAULT_CONFIGURATION = 'lite-dense+postgres';

/**
 * Times every configuration over every question, `rounds` times, configurations rotated question
 * by question so none always runs first. The first round's rankings are kept for scoring.
 */
async function timeConfigurations(
  configs: readonly Configuration[],
  questions: readonly Question[],
  rounds: number,
  signal: AbortSignal,
): Promise<ConfigurationRun[]> {
  for (const q of questions.slice(0, WARMUP_QUESTIONS)) for (const c of configs) await c.search(q);
  const runs = configs.map((config) => ({ config, ms: [] as number[], rankings: [] as RankedHit[][] }));
  for (let round = 0; round < rounds; round++) {
    for (const [i, q] of questions.entries()) {
      signal.throwIfAborted();
      for (let k = 0; k < runs.length; k++) {
        const run = runs[(i + round + k) % runs.length]!;
        const t0 = performance.now();
        const hits = await run.config.search(q);
        run.ms.push(performance.now() - t0);
        if (round === 0) run.rankings[i] = hits;
      }
    }
  }
  return runs;
}

/** Copies the live collection's rows, vectors included, from milvus-lite into `target`; returns the count. */
async function copyRows(
  from: { address: string; collection: string },
  to: { store: MilvusVectorStore; collection: string },
  ids: readonly string[],
  log: (line: string) => void,
): Promise<number> {
  const client = new MilvusClient({ address: from.address, timeout: 120_000 });
  let copied = 0;
  try {
    for (let start = 0; start < ids.length; start += COPY_BATCH) {
      const batch = ids.slice(start, start + COPY_BATCH);
      const reply = await client.query({
        collection_name: from.collection,
        filter: `id in [${batch.map((id) => JSON.stringify(id)).join(', ')}]`,
        output_fields: [...META_FIELDS, 'text', 'vector'],
        limit: batch.length,
      });
      const rows: ChunkRow[] = (reply.data as Record<string, unknown>[]).map((e) => ({
        ...fromEntity(e),
        text: String(e.text),
        vector: (e.vector as number[]).map(Number),
      }));
      if (rows.length !== batch.length)
        throw new Error(`milvus-lite returned ${rows.length} of ${batch.length} rows to copy.`);
      await to.store.upsert(to.collection, rows);
      copied += rows.length;
      if ((start / COPY_BATCH) % 10 === 9) log(`standalone: copied ${copied} of ${ids.length} rows`);
    }
  } finally {
    await client.closeConnection();
  }
  return copied;
}

function qualityOf(report: RetrievalReport) {
  const round3 = (n: number) => Math.round(n * 1000) / 1000;
  const scores = (s: { recallAt: Record<1 | 5 | 10, number>; mrrAt10: number; questions: number } | undefined) =>
    s && {
      questions: s.questions,
      recallAt1: round3(s.recallAt[1]),
      recallAt5: round3(s.recallAt[5]),
      recallAt10: round3(s.recallAt[10]),
      mrrAt10: round3(s.mrrAt10),
    };
  return {
    overall: scores(report.overall),
    literal: scores(report.byKind.literal),
    paraphrased: scores(report.byKind.paraphrased),
  };
}

async function run(stack: PrivateStack, options: Options, log: (line: string) => void, signal: AbortSignal) {
  let ingested: IngestedCorpus | undefined;
  const bench = await startChatBench(stack, log, async (client, tenant) => {
    ingested = await ingestTurnCorpus(client, stack.base, tenant, { corpus: 'manual', docs: options.docs }, log);
    return ingested.chunks;
  });
  const { tenant, deps } = bench;
  const live = await liveIndex(deps.db);
  if (!live) throw new Error('No live index after the ingest.');
  const identity: EmbeddingIdentity = live.identity;
  const embedder: Embedder = await deps.embedders.get(identity.model);
  const all = readQuestionFile(MANUAL_QUESTIONS_FILE);
  const questions: Question[] = [];
  for (const q of all) questions.push({ ...q, vector: (await embedder.embed([q.question]))[0]! });
  log(`embedded ${questions.length} questions with ${identity.model}`);

  // The full-text leg runs on the stack's own pool: the CPU meters count the PostgreSQL server
  // processes of the private database as the benchmark's own (bench/support/cpu-meter.ts).
  const fulltextRows = await countLiveChunks(deps.db, tenant);

  const liteAddress = stack.config.milvus.address;
  const raw = new MilvusClient({ address: liteAddress, timeout: 60_000 });
  stack.onTeardown(() => raw.closeConnection());
  const filter = buildFilter(tenant);
  const dense = (store: VectorStore, collection: string) => (q: Question) =>
    store.search({ collection, tenant, vector: q.vector, identity, limit: SEARCH_DEPTH });
  /** The product's search of one query (both legs fused, as a turn runs it) on `store`. */
  const productSearch =
    (store: VectorStore, collection: string, lexicalLeg: 'postgres' | 'milvus') => (q: Question) => {
      const search: RankedSearch = {
        collection,
        identity,
        tenant,
        queries: [q.question],
        vectors: [q.vector],
        limit: SEARCH_DEPTH,
      };
      return searchLegs({ db: deps.db, vectors: store, lexicalLeg }, search, q.question, q.vector, SEARCH_DEPTH);
    };
  const liteConfigs: Configuration[] = [
    {
      name: DEFAULT_CONFIGURATION,
      label: 'milvus-lite dense + PostgreSQL full text (the default: what a turn runs)',
      milvus: 'lite',
      lexical: 'postgres-fulltext',
      dense: true,
      search: productSearch(deps.vectors, live.collection, 'postgres'),
    },
    {
      name: 'lite-hybrid',
      label: 'milvus-lite, dense + Milvus BM25 (MEMFLOW_LEXICAL_LEG=milvus)',
      milvus: 'lite',
      lexical: 'milvus-bm25',
      dense: true,
      search: productSearch(deps.vectors, live.collection, 'milvus'),
    },
    {
      name: 'lite-dense',
      label: 'milvus-lite, dense alone',
      milvus: 'lite',
      lexical: null,
      dense: true,
      search: dense(deps.vectors, live.collection),
    },
    {
      name: 'lite-bm25',
      label: 'milvus-lite, Milvus BM25 alone',
      milvus: 'lite',
      lexical: 'milvus-bm25',
      dense: false,
      search: async (q) => {
        const reply = await raw.search({
          collection_name: live.collection,
          data: [q.question],
          anns_field: 'sparse',
          metric_type: 'BM25',
          params: { metric_type: 'BM25' },
          filter,
          limit: SEARCH_DEPTH,
          output_fields: ['id', 'tenant', 'source'],
        });
        return (reply.results as unknown as Record<string, unknown>[]).map((h) => ({
          id: String(h.id),
          tenant: String(h.tenant),
          source: String(h.source),
        }));
      },
    },
    {
      name: 'postgres-fulltext',
      label: 'PostgreSQL full text alone',
      milvus: null,
      lexical: 'postgres-fulltext',
      dense: false,
      search: (q) => searchChunkText(deps.db, { tenant, text: q.question, limit: SEARCH_DEPTH }),
    },
  ];

  const litePid = runningRecord(stack.config.paths.run, MILVUS)?.pid;
  await waitForIdle(litePid, signal);
  const ownPids = [process.pid, ...(litePid ? [litePid] : [])];
  log(`timing ${liteConfigs.length} configurations × ${questions.length} questions × ${options.rounds} rounds`);
  const liteMeter = startCpuMeter(ownPids);
  const liteRuns = await timeConfigurations(liteConfigs, questions, options.rounds, signal);
  const liteCpu = liteMeter.stop();

  let standalone:
    | {
        runs: ConfigurationRun[];
        cpu: CpuUse | undefined;
        copySeconds: number;
        sealSeconds: number;
        settled: boolean;
        indexBackend: string;
      }
    | undefined;
  if (options.standalone) {
    ensureMilvusStandaloneInstalled(loadConfig(), log);
    const { rows: idRows } = await deps.db.query<{ chunk_id: string }>(
      `SELECT c.chunk_id FROM chunks c JOIN documents d ON d.tenant = c.tenant AND d.doc_id = c.doc_id
       WHERE c.tenant = $1 AND c.version = d.live_version ORDER BY c.chunk_id`,
      [tenant],
    );
    standalone = await withPrivateStack(
      { label: 'bench', log, signal, milvusFlavor: 'standalone' },
      async (inner, innerSignal) => {
        // An interrupt or the time limit tears the outer stack down without waiting for this one:
        // the outer teardown takes this stack down first (idempotent), so neither leaks.
        stack.onTeardown(() => inner.down());
        const store = new MilvusVectorStore({ address: inner.config.milvus.address, flavor: 'standalone' });
        inner.onTeardown(() => store.close());
        const collection = `${inner.config.milvus.collectionPrefix}_manual`;
        await store.createCollection(collection, identity);
        const copyStart = performance.now();
        const copied = await copyRows(
          { address: liteAddress, collection: live.collection },
          { store, collection },
          idRows.map((r) => r.chunk_id),
          log,
        );
        const copySeconds = Math.round((performance.now() - copyStart) / 10) / 100;
        const sealed = await sealAndIndexStandalone(inner.config.milvus.address, collection, copied, innerSignal);
        const pid = runningRecord(inner.config.paths.run, MILVUS)?.pid;
        await waitForIdle(pid, innerSignal);
        log(
          `standalone: ${copied} rows copied in ${copySeconds}s, sealed and indexed ${sealed.settled ? 'in' : 'NOT within'} ${sealed.sealSeconds}s`,
        );
        const configs: Configuration[] = [
          {
            name: 'standalone-dense',
            label: 'Milvus standalone 2.3, dense alone (HNSW)',
            milvus: 'standalone',
            lexical: null,
            dense: true,
            search: dense(store, collection),
          },
          {
            name: 'standalone-dense+postgres',
            label: 'Milvus standalone 2.3 dense + PostgreSQL full text',
            milvus: 'standalone',
            lexical: 'postgres-fulltext',
            dense: true,
            search: productSearch(store, collection, 'postgres'),
          },
        ];
        const meter = startCpuMeter([process.pid, ...(pid ? [pid] : [])]);
        const runs = await timeConfigurations(configs, questions, options.rounds, innerSignal);
        return {
          runs,
          cpu: meter.stop(),
          copySeconds,
          sealSeconds: sealed.sealSeconds,
          settled: sealed.settled,
          indexBackend: await standaloneIndexBackend(inner.config.milvus.address, inner.home),
        };
      },
    );
  }

  const runs = [...liteRuns, ...(standalone?.runs ?? [])];
  let wrongTenant = 0;
  const configurations = runs.map(({ config, ms, rankings }) => {
    for (const hits of rankings)
      wrongTenant += hits.filter((h) => h.tenant !== undefined && h.tenant !== tenant).length;
    const report = scoreRetrieval(
      questions.map((q, i) => ({
        id: q.id,
        kind: q.kind,
        expected: q.expected,
        ranked: rankings[i]!.map((h) => h.source),
      })),
    );
    return {
      name: config.name,
      label: config.label,
      milvus: config.milvus,
      lexical: config.lexical,
      dense: config.dense,
      latencyMs: percentiles(ms, 2) satisfies Percentiles,
      quality: qualityOf(report),
    };
  });
  return {
    ingested: ingested!,
    model: identity.model,
    questions: questions.length,
    collection: live.collection,
    fulltext: { rows: fulltextRows },
    standalone: standalone && {
      copySeconds: standalone.copySeconds,
      sealSeconds: standalone.sealSeconds,
      settled: standalone.settled,
      indexBackend: standalone.indexBackend,
    },
    configurations,
    wrongTenant,
    cpu: [liteCpu, ...(standalone ? [standalone.cpu] : [])],
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

async function main(): Promise<number> {
  const started = startBench(parseOptions, USAGE);
  if (!started) return 2;
  const { options, log, start } = started;
  const result = await withPrivateStack(
    { label: 'bench', log, timeoutMinutes: options.timeoutMinutes },
    (stack, signal) => run(stack, options, log, signal),
  );
  const { ingested, configurations } = result;
  console.log(
    `\nSearch on the PostgreSQL manual: ${ingested.chunks} chunks of ${ingested.documents} pages, ${result.questions} questions, ` +
      `${SEARCH_DEPTH} deep, one tenant, ${options.rounds} rounds; query embedding (${result.model}) not included`,
  );
  console.log(
    formatTable(
      [
        'configuration',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'recall@1',
        'recall@5',
        'recall@5 paraphrased',
        'MRR@10',
      ],
      configurations.map((c) => [
        c.label,
        String(c.latencyMs.p50),
        String(c.latencyMs.p95),
        String(c.latencyMs.p99),
        String(c.latencyMs.max),
        String(c.quality.overall?.recallAt1 ?? '?'),
        String(c.quality.overall?.recallAt5 ?? '?'),
        String(c.quality.paraphrased?.recallAt5 ?? '?'),
        String(c.quality.overall?.mrrAt10 ?? '?'),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  );
  if (result.standalone)
    console.log(
      `standalone: ${result.standalone.indexBackend}; rows copied in ${result.standalone.copySeconds}s, ` +
        `sealed and indexed ${result.standalone.settled ? 'in' : 'NOT within'} ${result.standalone.sealSeconds}s`,
    );
  const file = recordResult('manual-search', {
    start,
    cpu: result.cpu,
    params: {
      corpus: 'manual',
      ...(options.docs !== undefined ? { docs: options.docs } : {}),
      rounds: options.rounds,
      milvus: options.standalone ? ['lite', 'standalone'] : ['lite'],
      timeoutMinutes: options.timeoutMinutes,
      depth: SEARCH_DEPTH,
      warmupQuestions: WARMUP_QUESTIONS,
      documents: ingested.documents,
      chunks: ingested.chunks,
      questions: result.questions,
      questionsSha256: crypto.createHash('sha256').update(fs.readFileSync(MANUAL_QUESTIONS_FILE)).digest('hex'),
      embedder: result.model,
    },
    results: {
      ingestSeconds: ingested.seconds,
      collection: result.collection,
      defaultConfiguration: DEFAULT_CONFIGURATION,
      fulltext: result.fulltext,
      standalone: result.standalone,
      configurations,
      wrongTenant: result.wrongTenant,
      loadAverage1m: result.loadAverage1m,
    },
  });
  console.log(`results appended to ${file}`);
  if (result.wrongTenant > 0) {
    console.error(`FAILED: ${result.wrongTenant} hits came from another tenant.`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
