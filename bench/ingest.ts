/**
 * Ingestion throughput of the `ingestDocuments` workflow next to a direct script doing the same
 * parse + register + embed + upsert with the same embedder (bench/support/direct-ingest.ts), in
 * one run on a private stack. Goal: the workflow at ≥ 0.85× the direct script's chunks/s.
 *
 * Usage: node --import tsx bench/ingest.ts [--docs N] [--corpus DIR] [--rounds R] [--timeout-minutes M]
 */
import { parseArgs } from 'node:util';
import { embedderFromConfig } from '../adapters/embed/embedder-from-config';
import { MilvusVectorStore } from '../adapters/milvus/milvus-store';
import { createPool } from '../adapters/postgres/pool';
import { MILVUS } from '../devstack/milvus-server';
import { runningRecord } from '../devstack/processes';
import { TEMPORAL } from '../devstack/temporal-server';
import { connectClient } from '../adapters/temporal/connection';
import { createWorker } from '../workers/worker';
import { benchCorpus } from './support/corpus';
import { waitForQuiet } from './support/cpu-meter';
import type { RoundRun } from './support/ingest-report';
import { NOISY_OTHER_SHARE, formatIngestTable, roundedSummary, summarizeIngest } from './support/ingest-report';
import type { IngestTarget } from './support/ingest-runs';
import { assertStored, describeBreakdown, ingestDirectly, ingestThroughWorkflow } from './support/ingest-runs';
import type { PrivateStack } from './support/private-stack';
import { withPrivateStack } from './support/private-stack';
import { recordResult } from './support/results';
import { UsageError, startBench } from './support/cli-options';

const GOAL = 0.85;
const USAGE =
  'Usage: node --import tsx bench/ingest.ts [--docs N (60)] [--corpus DIR] [--rounds R (2)] [--timeout-minutes M (15)]';

interface Options {
  docs: number;
  corpus?: string;
  rounds: number;
  timeoutMinutes: number;
}

type Log = (line: string) => void;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(value)}.`);
  }
  return n;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      docs: { type: 'string' },
      corpus: { type: 'string' },
      rounds: { type: 'string' },
      'timeout-minutes': { type: 'string' },
    },
  });
  return {
    docs: positiveInt('docs', values.docs, 60),
    corpus: values.corpus,
    rounds: positiveInt('rounds', values.rounds, 2),
    timeoutMinutes: positiveInt('timeout-minutes', values['timeout-minutes'], 15),
  };
}

async function runBench(stack: PrivateStack, options: Options, log: Log, signal: AbortSignal) {
  const { config } = stack;
  const corpus = benchCorpus(stack.base, { dir: options.corpus, docs: options.docs, scratchDir: stack.home, log });
  if (corpus.files.length === 0) throw new Error(`No documents in ${corpus.dir}.`);
  log(`corpus ${corpus.name}: ${corpus.files.length} documents from ${corpus.dir}`);

  const target: IngestTarget = {
    client: await connectClient(config),
    config,
    db: createPool(config.postgres.url, 4),
    vectors: new MilvusVectorStore({ address: config.milvus.address, flavor: config.milvus.flavor }),
    embedder: await embedderFromConfig(config),
    baseDir: corpus.dir,
    pids: [process.pid, ...[TEMPORAL, MILVUS].flatMap((name) => runningRecord(config.paths.run, name)?.pid ?? [])],
  };
  // Created and started before anything is timed: creating the worker bundles the workflow code.
  const worker = await createWorker(config);
  const running = worker.run();
  let closed: Promise<void> | undefined;
  // Also run by the stack's teardown after a time-out, before the database is dropped under the pools.
  const close = () =>
    (closed ??= (async () => {
      // The SDK's runtime may have started draining already (it handles SIGINT/SIGTERM itself).
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
      await running.catch((err: unknown) => log(`worker stopped with ${String(err)}`));
      const { client, db, vectors, embedder } = target;
      await Promise.allSettled([client.connection.close(), db.end(), vectors.close(), embedder.close?.()]);
    })());
  stack.onTeardown(close);
  try {
    // Untimed warm-up of both paths: loads the worker's embedder, creates the live collection,
    // fills connection pools and warms the JIT, so round 1 measures the same as round 2.
    const warmFiles = corpus.files.slice(0, 2);
    await ingestThroughWorkflow(target, warmFiles, `bench-warm-workflow-${stack.runId}`);
    await ingestDirectly(target, warmFiles, `bench-warm-direct-${stack.runId}`);
    log('warm-up done');

    const runs: RoundRun[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      // A B A B …: drift (machine load, a growing collection) falls on both paths alike.
      for (const path of ['workflow', 'direct'] as const) {
        const quiet = await waitForQuiet(target.pids, { threshold: NOISY_OTHER_SHARE, maxWaitMs: 30_000, signal });
        if (quiet !== undefined && quiet > NOISY_OTHER_SHARE) {
          log(`other processes still use ${Math.round(quiet * 100)}% of the CPU after waiting 30s; measuring anyway`);
        }
        const tenant = `bench-${path}-r${round}-${stack.runId}`;
        const ingest = path === 'workflow' ? ingestThroughWorkflow : ingestDirectly;
        const run: RoundRun = { ...(await ingest(target, corpus.files, tenant)), round };
        await assertStored(target, run);
        runs.push(run);
        const others = run.cpu ? `; other processes used ${Math.round(run.cpu.otherShare * 100)}% of the CPU` : '';
        log(`round ${round} ${path}: ${run.chunks} chunks in ${run.seconds.toFixed(1)}s${others}`);
        log(`  ${describeBreakdown(run)}`);
      }
    }
    const chunks = new Set(runs.map((r) => r.chunks));
    const failed = new Set(runs.map((r) => r.failed));
    if (chunks.size !== 1 || failed.size !== 1) {
      throw new Error(
        `The paths wrote different results: chunks ${[...chunks].join(' vs ')}, rejected documents ${[...failed].join(' vs ')}.`,
      );
    }
    return { corpus, runs };
  } finally {
    await close();
  }
}

async function main(): Promise<number> {
  const started = startBench(parseOptions, USAGE);
  if (!started) return 2;
  const { options, log, start } = started;
  const { corpus, runs } = await withPrivateStack(
    { label: 'bench', log, timeoutMinutes: options.timeoutMinutes },
    (stack, signal) => runBench(stack, options, log, signal),
  );

  const summary = summarizeIngest(runs);
  const meetsGoal = summary.ratio >= GOAL;
  const first = runs[0]!;
  console.log(
    `\nIngest of ${first.docs} documents (${first.failed} rejected), ${first.chunks} chunks per run, corpus ${corpus.name}`,
  );
  console.log(formatIngestTable(runs, summary));
  console.log(
    `\nworkflow / direct = ${summary.ratio} (goal ≥ ${GOAL}: ${meetsGoal ? 'met' : 'NOT met'}); ` +
      `per round ${summary.roundRatios.join(', ')}; CPU per chunk, direct / workflow = ${summary.cpuRatio}`,
  );
  if (summary.noisy) {
    console.log(
      `Other processes used up to ${Math.round(summary.maxOtherShare * 100)}% of the machine's CPU during a timed run: ` +
        'the wall-clock numbers are unreliable. Re-run when the machine is quiet.',
    );
  }

  const file = recordResult('ingest', {
    start,
    params: { ...options, corpus: corpus.name },
    results: {
      docs: first.docs,
      rejectedDocs: first.failed,
      chunks: first.chunks,
      workflow: roundedSummary(summary.workflow),
      direct: roundedSummary(summary.direct),
      ratio: summary.ratio,
      roundRatios: summary.roundRatios,
      cpuRatio: summary.cpuRatio,
      maxOtherCpuShare: summary.maxOtherShare,
      noisy: summary.noisy,
      goal: GOAL,
      meetsGoal,
    },
    cpu: runs.map((r) => r.cpu),
  });
  console.log(
    `results appended to ${file} (whole run ${Math.round((Date.now() - start.startedAt.getTime()) / 1000)}s)`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? `bench failed: ${err.message}` : err);
    process.exit(1);
  },
);
