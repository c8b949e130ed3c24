/**
 * Ingestion throughput of the `ingestDocuments` workflow next to a direct script doing the same
 * parse + register + embed + upsert with the same embedder (bench/support/direct-ingest.ts), and
 * next to ONNX Runtime embedding the same chunk texts with the same model file from Python
 * (bench/reference/onnx_embed.py), in one run on a private stack. Goals: the workflow at ≥ 0.85×
 * the direct script's chunks/s, and at ≥ 0.9× the reference's.
 *
 * Usage: node --import tsx bench/ingest.ts [--docs N] [--corpus DIR] [--rounds R] [--timeout-minutes M]
 *          [--reference-threads T] [--reference-batch B] [--reference-spinning on|off] [--reference-venv DIR]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
import { chunkTexts } from './support/chunk-texts';
import type { CpuUse } from './support/cpu-meter';
import type { ReferenceResult } from './support/onnx-reference';
import { defaultReferenceVenv, ensureReferenceVenv, referenceModelFiles, runReference } from './support/onnx-reference';
import { median } from './support/results';

const GOAL = 0.85;
/** The workflow's chunks/s against ONNX Runtime embedding the same chunks with the same model file. */
const REFERENCE_GOAL = 0.9;
const USAGE =
  'Usage: node --import tsx bench/ingest.ts [--docs N (60)] [--corpus DIR] [--rounds R (2)] [--timeout-minutes M (15)] ' +
  '[--reference-threads T (all cores)] [--reference-batch B (32)] [--reference-spinning on|off (off)] ' +
  '[--reference-venv DIR (<MEMFLOW_HOME>/cache/onnx-reference-venv)]';

interface Options {
  docs: number;
  corpus?: string;
  rounds: number;
  timeoutMinutes: number;
  referenceThreads: number;
  referenceBatch: number;
  referenceSpinning: boolean;
  referenceVenv?: string;
}

interface ReferenceRun {
  round: number;
  result: ReferenceResult;
  cpu?: CpuUse;
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

function onOff(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value !== 'on' && value !== 'off')
    throw new UsageError(`--${name} must be on or off, got ${JSON.stringify(value)}.`);
  return value === 'on';
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      docs: { type: 'string' },
      corpus: { type: 'string' },
      rounds: { type: 'string' },
      'timeout-minutes': { type: 'string' },
      'reference-threads': { type: 'string' },
      'reference-batch': { type: 'string' },
      'reference-venv': { type: 'string' },
      'reference-spinning': { type: 'string' },
    },
  });
  return {
    docs: positiveInt('docs', values.docs, 60),
    corpus: values.corpus,
    rounds: positiveInt('rounds', values.rounds, 2),
    timeoutMinutes: positiveInt('timeout-minutes', values['timeout-minutes'], 15),
    referenceThreads: positiveInt('reference-threads', values['reference-threads'], os.availableParallelism()),
    referenceBatch: positiveInt('reference-batch', values['reference-batch'], 32),
    referenceSpinning: onOff('reference-spinning', values['reference-spinning'], false),
    referenceVenv: values['reference-venv'],
  };
}

async function runBench(stack: PrivateStack, options: Options, log: Log, signal: AbortSignal) {
  const { config } = stack;
  const corpus = benchCorpus(stack.base, { dir: options.corpus, docs: options.docs, scratchDir: stack.home, log });
  if (corpus.files.length === 0) throw new Error(`No documents in ${corpus.dir}.`);
  log(`corpus ${corpus.name}: ${corpus.files.length} documents from ${corpus.dir}`);
  if (config.embedding.provider !== 'local')
    throw new Error('The ONNX Runtime reference needs a local embedding model.');
  const python = ensureReferenceVenv(stack.base, options.referenceVenv ?? defaultReferenceVenv(stack.base), log);
  const modelFiles = referenceModelFiles(config.embedding.modelsDir, config.embedding.model);

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
    // The reference embeds exactly the texts both paths embed, chunked with the same tokenizer.
    const texts = await chunkTexts(corpus.files, corpus.dir, (text) => target.embedder.countTokens(text));
    const textsFile = path.join(stack.home, 'chunk-texts.jsonl');
    fs.writeFileSync(textsFile, texts.map((t) => `${JSON.stringify(t)}\n`).join(''));
    log(`warm-up done; ${texts.length} chunk texts for the reference (${modelFiles.onnx})`);

    const runs: RoundRun[] = [];
    const referenceRuns: ReferenceRun[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      // A B C A B C …: drift (machine load, a growing collection) falls on every path alike.
      for (const path of ['workflow', 'direct', 'reference'] as const) {
        const quiet = await waitForQuiet(target.pids, { threshold: NOISY_OTHER_SHARE, maxWaitMs: 30_000, signal });
        if (quiet !== undefined && quiet > NOISY_OTHER_SHARE) {
          log(`other processes still use ${Math.round(quiet * 100)}% of the CPU after waiting 30s; measuring anyway`);
        }
        if (path === 'reference') {
          const settings = {
            threads: options.referenceThreads,
            batchSize: options.referenceBatch,
            spinning: options.referenceSpinning,
          };
          const run = await runReference(python, modelFiles, textsFile, settings, target.pids, signal);
          referenceRuns.push({ round, ...run });
          const r = run.result;
          const others = run.cpu ? `; other processes used ${Math.round(run.cpu.otherShare * 100)}% of the CPU` : '';
          log(`round ${round} reference: ${r.texts} chunks in ${r.seconds.toFixed(1)}s (embedding only)${others}`);
          log(
            `  ${r.cpuMsPerChunk} CPU ms/chunk, ${r.paddedTokens} tokens embedded for ${r.tokens} (padding included)`,
          );
          continue;
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
    const chunks = new Set([...runs.map((r) => r.chunks), ...referenceRuns.map((r) => r.result.texts)]);
    const failed = new Set(runs.map((r) => r.failed));
    if (chunks.size !== 1 || failed.size !== 1) {
      throw new Error(
        `The paths wrote different results: chunks ${[...chunks].join(' vs ')}, rejected documents ${[...failed].join(' vs ')}.`,
      );
    }
    return { corpus, runs, referenceRuns };
  } finally {
    await close();
  }
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Per-round reference results and their medians. */
function summarizeReference(runs: ReferenceRun[]) {
  const first = runs[0]!.result;
  return {
    settings:
      `onnxruntime ${first.onnxruntime}, ${first.threads} threads${first.spinning ? ' (spinning)' : ''}, ` +
      `batches of ${first.batchSize} sorted by length`,
    threads: first.threads,
    batchSize: first.batchSize,
    sortByLength: first.sortByLength,
    optimization: first.optimization,
    spinning: first.spinning,
    onnxruntime: first.onnxruntime,
    tokens: first.tokens,
    paddedTokens: first.paddedTokens,
    medianChunksPerSecond: median(runs.map((r) => r.result.chunksPerSecond)),
    medianCpuMsPerChunk: median(runs.map((r) => r.result.cpuMsPerChunk)),
    rounds: runs.map((r) => ({
      round: r.round,
      seconds: r.result.seconds,
      chunksPerSecond: r.result.chunksPerSecond,
      cpuMsPerChunk: r.result.cpuMsPerChunk,
      cpu: r.cpu,
    })),
  };
}

async function main(): Promise<number> {
  const started = startBench(parseOptions, USAGE);
  if (!started) return 2;
  const { options, log, start } = started;
  const { corpus, runs, referenceRuns } = await withPrivateStack(
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
  const reference = summarizeReference(referenceRuns);
  const referenceRatio = round3(summary.workflow.medianChunksPerSecond / reference.medianChunksPerSecond);
  const directReferenceRatio = round3(summary.direct.medianChunksPerSecond / reference.medianChunksPerSecond);
  const meetsReferenceGoal = referenceRatio >= REFERENCE_GOAL;
  console.log(
    `ONNX Runtime reference (${reference.settings}): ${reference.medianChunksPerSecond} chunks/s, ` +
      `${reference.medianCpuMsPerChunk} CPU ms/chunk (median; embedding only); ` +
      `workflow / reference = ${referenceRatio} (goal ≥ ${REFERENCE_GOAL}: ${meetsReferenceGoal ? 'met' : 'NOT met'}), ` +
      `direct / reference = ${directReferenceRatio}`,
  );
  const maxOtherShare = Math.max(summary.maxOtherShare, ...referenceRuns.map((r) => r.cpu?.otherShare ?? 0));
  if (maxOtherShare > NOISY_OTHER_SHARE) {
    console.log(
      `Other processes used up to ${Math.round(maxOtherShare * 100)}% of the machine's CPU during a timed run: ` +
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
      reference: { ...reference, settings: undefined },
      referenceRatio,
      directReferenceRatio,
      referenceGoal: REFERENCE_GOAL,
      meetsReferenceGoal,
      maxOtherCpuShare: maxOtherShare,
      noisy: maxOtherShare > NOISY_OTHER_SHARE,
      goal: GOAL,
      meetsGoal,
    },
    cpu: [...runs.map((r) => r.cpu), ...referenceRuns.map((r) => r.cpu)],
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
