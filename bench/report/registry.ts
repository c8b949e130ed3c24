/**
 * The benchmarks `memflow bench report` publishes, and for each the code whose performance it
 * measures. A results line counts as a measurement of the current code only if nothing under its
 * benchmark's paths changed between the line's commit and HEAD (bench/report/qualify.ts): a change
 * anywhere there may move the numbers, so the old ones stop being published until the benchmark is
 * run again. Paths are git pathspecs, relative to the repository: a folder ends with `/`, a `*`
 * globs. test/unit/bench-report-registry.test.ts checks that every bench/*.ts has an entry and that
 * every file a benchmark imports from bench/, test/ or cli/, and every product file those import,
 * is under one of its paths.
 */

/**
 * What a worker process runs and how memflow's private stack serves it. The whole of workflows/ in
 * every worker benchmark: the worker loads one bundle of all workflow types. adapters/temporal holds
 * the payload codec every payload goes through; devstack/ starts the private Temporal dev server
 * (its dynamic config, e.g. the transfer-queue read rate) and Milvus (milvus-lite's version, the
 * standalone build) and lays out the embedding model (models.txt); migrations/ are the tables and
 * indexes the steps read; package-lock.json pins the Temporal SDK, the Milvus and OpenAI clients,
 * ONNX Runtime and transformers.js.
 */
const WORKER_STACK = [
  'contracts/',
  'config/',
  'workflows/',
  'adapters/',
  'workers/',
  'devstack/',
  'migrations/',
  'package-lock.json',
];

/**
 * A chat turn as the turn benchmarks drive it: the worker stack, the chat activities (with the
 * activity factory and failure classification they are built by), the client's `chat`
 * (update-with-start), the fake LLM of the tests, and the fixture corpus the tenant holds (its
 * chunks are what a turn retrieves and sends to the LLM).
 */
const CHAT_TURN = [
  ...WORKER_STACK,
  'activities/chat/',
  'activities/index.ts',
  'activities/failures.ts',
  'client/',
  'test/support/chat-harness.ts',
  'test/support/fake-openai.ts',
  'test/support/test-env.ts',
  'test/fixtures/corpus/',
];

/**
 * What the tenant of latency-budget and turn-throughput holds and asks (`--corpus`): the PostgreSQL
 * manual, fetched by the same code as `memflow corpus postgres-docs`, chunked by the ingest
 * activities (the chunks decide what a search walks and returns), and the question set its turns
 * ask; or the fixture corpus (in CHAT_TURN).
 */
const TURN_CORPUS = [
  'activities/ingest/',
  'cli/postgres-docs-corpus.ts',
  'bench/questions/postgres-manual.jsonl',
  'bench/support/turn-corpus.ts',
];

/** Everything memflow ships: what a chaos soak may hit. */
const PRODUCT = [...WORKER_STACK, 'activities/', 'client/', 'cli/', 'bin/', 'deploy/', 'temporal-dev.yml'];

/** The private stack every benchmark but embed-thread runs on, and the meter of its measured regions. */
const BENCH_STACK = ['bench/support/private-stack.ts', 'bench/support/cpu-meter.ts'];

export interface BenchmarkEntry {
  /** bench/<name>.ts, bench/results/<name>.jsonl. */
  name: string;
  /** What it measures, in a few words (the report's summary names it). */
  measures: string;
  /** The code whose performance it measures (git pathspecs). */
  paths: readonly string[];
  /**
   * The file that writes its line, when it is not bench/<name>.ts (a product command that records
   * with `--record`); the docs test follows its imports as it does a benchmark script's.
   */
  script?: string;
  /**
   * False for a benchmark whose verdict is correctness, not speed (the chaos soak): a busy machine
   * does not make its invariants less true, so a run counts whatever else used the CPU (the share
   * is still recorded and shown). Default true.
   */
  requiresQuiet?: boolean;
}

export const BENCHMARKS = [
  {
    name: 'ingest',
    measures: 'ingestion throughput, the ingestDocuments workflow vs. a direct script',
    paths: [
      ...WORKER_STACK,
      'activities/ingest/',
      'activities/index.ts',
      'activities/failures.ts',
      'client/',
      // The PostgreSQL manual is fetched by the same code as `memflow corpus postgres-docs`.
      'cli/postgres-docs-corpus.ts',
      'bench/ingest.ts',
      // The ONNX Runtime reference: its script, its pinned packages and how the bench runs it.
      'bench/reference/',
      'bench/support/onnx-reference.ts',
      'bench/support/chunk-texts.ts',
      'bench/support/corpus.ts',
      'bench/support/direct-ingest.ts',
      'bench/support/ingest-report.ts',
      'bench/support/ingest-runs.ts',
      'bench/support/workflow-timings.ts',
      ...BENCH_STACK,
    ],
  },
  {
    name: 'reindex-search',
    measures: 'search latency before, during and after a re-embed',
    paths: [
      ...WORKER_STACK,
      // The re-embed saga's activities, the chat retrieval the load runs, ingestion of the corpus.
      'activities/',
      'client/',
      'cli/postgres-docs-corpus.ts',
      'test/fixtures/corpus/',
      'bench/reindex-search.ts',
      'bench/support/corpus.ts',
      'bench/support/search-load.ts',
      ...BENCH_STACK,
    ],
  },
  {
    name: 'embed-thread',
    measures: 'the local embedder: event-loop lag, speed and memory, in-thread vs. worker thread',
    paths: [
      'adapters/embed/',
      'config/',
      'contracts/',
      // Which model files `stack up` lays out (the quantization the embedder loads).
      'devstack/models.txt',
      'package-lock.json',
      'bench/embed-thread.ts',
      'bench/support/worker-child.ts',
      'bench/support/cpu-meter.ts',
    ],
  },
  {
    name: 'turn-overhead',
    measures: 'what Temporal adds to a chat turn, against a bare Update round trip',
    paths: [
      ...CHAT_TURN,
      'bench/turn-overhead.ts',
      'bench/support/turn-latency-stack.ts',
      'bench/support/noop-turn-worker.ts',
      'bench/support/noop-turn-workflow.ts',
      'bench/support/search-load.ts',
      ...BENCH_STACK,
    ],
  },
  {
    name: 'latency-budget',
    measures: 'the non-LLM part of a chat turn, line by line',
    paths: [
      ...CHAT_TURN,
      ...TURN_CORPUS,
      'bench/latency-budget.ts',
      'bench/support/turn-latency-stack.ts',
      'bench/support/turn-timeline.ts',
      'bench/support/search-load.ts',
      ...BENCH_STACK,
    ],
  },
  {
    name: 'search',
    measures: 'search latency and recall at 100k chunks, milvus-lite vs. Milvus standalone',
    paths: [
      'adapters/milvus/',
      'contracts/',
      'config/',
      // Starts, installs and configures both Milvus flavors.
      'devstack/',
      // The private stack creates and drops its database (the search itself never touches it).
      'adapters/postgres/ensure-database.ts',
      'package-lock.json',
      'bench/search.ts',
      'bench/support/search-dataset.ts',
      'bench/support/synthetic-vectors.ts',
      'bench/support/milvus-settle.ts',
      'bench/support/worker-child.ts',
      ...BENCH_STACK,
    ],
  },
  {
    name: 'manual-search',
    measures:
      'search on the whole PostgreSQL manual, per backend: milvus-lite, PostgreSQL full text, Milvus standalone',
    paths: [
      ...CHAT_TURN,
      ...TURN_CORPUS,
      'bench/manual-search.ts',
      // The question set is read as `memflow eval retrieval` reads it.
      'evaluation/question-file.ts',
      'bench/support/milvus-settle.ts',
      'bench/support/worker-child.ts',
      'bench/support/turn-latency-stack.ts',
      'bench/support/search-load.ts',
      ...BENCH_STACK,
    ],
  },
  {
    name: 'turn-throughput',
    measures: 'chat turns per second, open loop, until the knee',
    paths: [
      ...CHAT_TURN,
      ...TURN_CORPUS,
      'bench/turn-throughput.ts',
      'bench/support/chat-load.ts',
      'bench/support/search-load.ts',
      'bench/support/noop-turn-worker.ts',
      'bench/support/noop-turn-workflow.ts',
      'bench/support/workflow-timings.ts',
      ...BENCH_STACK,
    ],
  },
  {
    name: 'memory',
    measures: 'worker RSS with 1,000 open sessions',
    paths: [
      ...CHAT_TURN,
      // The worker runs as `bin/memflow.js worker`: the CLI's modules are in its RSS, and
      // devstack/worker-process.ts sets its heap limit and malloc trim (in WORKER_STACK).
      'activities/',
      'cli/',
      'bin/',
      'bench/memory.ts',
      'bench/support/chat-load.ts',
      'bench/support/search-load.ts',
      'bench/support/stack-env.ts',
      'bench/support/worker-child.ts',
      ...BENCH_STACK,
    ],
  },
  {
    name: 'chaos',
    measures: 'faults injected into a running stack, and the invariants checked after them',
    // A correctness soak over everything: the load generator and the test LLM it drives count too.
    paths: [
      ...PRODUCT,
      'bench/chaos.ts',
      'bench/support/',
      // The test support the soak drives (the scripted LLM, its clients); the docs test checks the list.
      'test/support/chat-harness.ts',
      'test/support/fake-openai.ts',
      'test/support/stack-clients.ts',
      'test/support/test-env.ts',
    ],
    requiresQuiet: false,
  },
  {
    name: 'retrieval',
    measures: 'retrieval quality on the PostgreSQL-manual question set (`memflow eval retrieval --record`)',
    script: 'cli/eval-command.ts',
    // Everything that decides what a question finds: chunking and embedding at ingest, the search,
    // fusion and passage selection, the extractive answer, the question set and the scoring.
    paths: [
      ...WORKER_STACK,
      'activities/',
      'client/',
      'cli/eval-command.ts',
      'cli/format-retrieval-evaluation.ts',
      'cli/text-table.ts',
      'cli/cli-context.ts',
      'cli/parse-command.ts',
      'evaluation/',
      'bench/questions/postgres-manual.jsonl',
      'bench/support/results.ts',
      'bench/support/cpu-meter.ts',
    ],
    // A measure of quality: a busy machine does not change which pages come first.
    requiresQuiet: false,
  },
] as const satisfies readonly BenchmarkEntry[];

export type BenchmarkName = (typeof BENCHMARKS)[number]['name'];

export function benchmark(name: BenchmarkName): BenchmarkEntry {
  return BENCHMARKS.find((b) => b.name === name)!;
}

/**
 * Files a benchmark imports that do not measure anything: writing the results line and parsing
 * flags, both outside the measured regions. Changing them leaves earlier runs current.
 */
export const BOOKKEEPING = ['bench/support/results.ts', 'bench/support/cli-options.ts'];
