/**
 * What running the local embedder in a worker thread buys and costs: the main thread's event-loop
 * lag while batches embed (the Temporal worker's queries, workflow tasks and chat turns wait that
 * long) and embed throughput, in-thread (`createLocalEmbedder`) vs threaded
 * (`createThreadedLocalEmbedder`). `--intra-op default,1,2` compares ONNX Runtime thread counts
 * ("default": ONNX Runtime's own for in-thread, `defaultEmbedThreadIntraOp()` for threaded). The
 * order of the embedders rotates from run to run so drift in machine load falls on all alike.
 *
 * Usage: node --import tsx bench/embed-thread.ts [--model M] [--runs R (3)] [--batches B (3)]
 *        [--batch-size N (32)] [--tokens T (200)] [--intra-op LIST (default)] [--no-results]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Embedder } from '../activities/embed/embedder';
import { createLocalEmbedder } from '../activities/embed/local-embedder';
import { createThreadedLocalEmbedder, defaultEmbedThreadIntraOp } from '../activities/embed/threaded-embedder';
import { loadConfig } from '../src/config';
import { appendResult, formatTable, gitRevision, machineInfo, median } from './support/results';
import { UsageError } from './support/cli-options';

const USAGE =
  'Usage: node --import tsx bench/embed-thread.ts [--model M] [--runs R (3)] [--batches B (3)] ' +
  '[--batch-size N (32)] [--tokens T (200)] [--intra-op LIST (default)] [--no-results]';

type IntraOp = number | 'default';

interface Mode {
  label: string;
  threaded: boolean;
  intraOp: IntraOp;
}

interface Options {
  model: string;
  runs: number;
  batches: number;
  batchSize: number;
  tokens: number;
  intraOp: IntraOp[];
  saveResults: boolean;
}

interface Run {
  mode: string;
  run: number;
  seconds: number;
  chunksPerSecond: number;
  maxLagMs: number;
  p99LagMs: number;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(value)}.`);
  return n;
}

function parseOptions(argv: string[], defaultModel: string): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      runs: { type: 'string' },
      batches: { type: 'string' },
      'batch-size': { type: 'string' },
      tokens: { type: 'string' },
      'intra-op': { type: 'string' },
      'no-results': { type: 'boolean' },
    },
  });
  return {
    model: values.model ?? defaultModel,
    runs: positiveInt('runs', values.runs, 3),
    batches: positiveInt('batches', values.batches, 3),
    batchSize: positiveInt('batch-size', values['batch-size'], 32),
    tokens: positiveInt('tokens', values.tokens, 200),
    intraOp: (values['intra-op'] ?? 'default')
      .split(',')
      .map((v) => (v === 'default' ? v : positiveInt('intra-op', v, 1))),
    saveResults: values['no-results'] !== true,
  };
}

const WORDS = (
  'the write ahead log records every change before it reaches the data files so that after a crash ' +
  'recovery replays it vacuum reclaims storage occupied by dead tuples autovacuum launcher workers ' +
  'checkpoint flushes dirty buffers replication slots retain segments standby servers stream changes ' +
  'indexes btree hash gist gin brin planner statistics histogram selectivity estimates joins nested ' +
  'loop merge sort partition pruning parallel query workers gather locks deadlock detection timeout'
).split(' ');

/** Deterministic prose of about `tokens` model tokens per text, different for every text. */
function texts(embedder: Embedder, count: number, tokens: number, seed: number): string[] {
  let state = seed;
  const next = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31);
  return Array.from({ length: count }, () => {
    const words: string[] = [];
    while (embedder.countTokens(words.join(' ')) < tokens) {
      for (let i = 0; i < 10; i++) words.push(WORDS[next() % WORDS.length]!);
    }
    return words.join(' ');
  });
}

async function measure(embedder: Embedder, batches: string[][]): Promise<Omit<Run, 'mode' | 'run'>> {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const started = performance.now();
  for (const batch of batches) await embedder.embed(batch);
  const seconds = (performance.now() - started) / 1000;
  lag.disable();
  const chunks = batches.reduce((n, b) => n + b.length, 0);
  return {
    seconds: round2(seconds),
    chunksPerSecond: round2(chunks / seconds),
    maxLagMs: Math.round(lag.max / 1e6),
    p99LagMs: Math.round(lag.percentile(99) / 1e6),
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

async function main(): Promise<number> {
  const config = loadConfig();
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2), config.embedding.model);
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const log = (line: string) => console.error(`[bench] ${line}`);
  const startedAt = new Date();
  const machine = machineInfo();
  const modes: Mode[] = options.intraOp.flatMap((intraOp) =>
    [false, true].map((threaded) => ({
      label: `${threaded ? 'threaded' : 'in-thread'}, intra-op ${intraOp === 'default' && threaded ? `default (${defaultEmbedThreadIntraOp()})` : intraOp}`,
      threaded,
      intraOp,
    })),
  );
  const embedders = new Map<Mode, Embedder>();
  try {
    for (const mode of modes) {
      const local = {
        model: options.model,
        modelsDir: config.embedding.modelsDir,
        intraOpThreads: mode.intraOp === 'default' ? undefined : mode.intraOp,
      };
      embedders.set(mode, await (mode.threaded ? createThreadedLocalEmbedder(local) : createLocalEmbedder(local)));
    }
    const counter = embedders.get(modes[0]!)!;
    const batches = Array.from({ length: options.batches }, (_, b) =>
      texts(counter, options.batchSize, options.tokens, b + 1),
    );
    const meanTokens = batches.flat().reduce((n, t) => n + counter.countTokens(t), 0) / batches.flat().length;
    // Untimed warm-up: first passes allocate ONNX Runtime's arena and warm the JIT.
    for (const embedder of embedders.values()) await embedder.embed(batches[0]!);
    log(`warm-up done; ${options.batches} batches of ${options.batchSize} texts, ${meanTokens.toFixed(0)} tokens each`);

    const runs: Run[] = [];
    for (let run = 1; run <= options.runs; run++) {
      const shift = (run - 1) % modes.length;
      for (const mode of [...modes.slice(shift), ...modes.slice(0, shift)]) {
        const result = { mode: mode.label, run, ...(await measure(embedders.get(mode)!, batches)) };
        runs.push(result);
        log(`run ${run} ${mode.label}: ${result.chunksPerSecond} chunks/s, max lag ${result.maxLagMs} ms`);
      }
    }

    const rows: string[][] = [];
    const summary = modes.map((mode) => {
      const mine = runs.filter((r) => r.mode === mode.label);
      for (const r of mine) {
        rows.push([
          `${r.mode}: run ${r.run}`,
          r.seconds.toFixed(1),
          String(r.chunksPerSecond),
          String(r.maxLagMs),
          String(r.p99LagMs),
        ]);
      }
      const medians = {
        chunksPerSecond: round2(median(mine.map((r) => r.chunksPerSecond))),
        maxLagMs: median(mine.map((r) => r.maxLagMs)),
      };
      rows.push([`${mode.label}: median`, '', String(medians.chunksPerSecond), String(medians.maxLagMs), '']);
      return { ...mode, ...medians, runs: mine.map(({ mode: _, ...r }) => r) };
    });
    console.log(
      `\n${options.model}: ${options.batches} batches × ${options.batchSize} texts of ~${meanTokens.toFixed(0)} tokens per run, ` +
        `load ${machine.loadAverage1m} on ${machine.nproc} CPUs at the start`,
    );
    console.log(formatTable(['embedder', 'seconds', 'chunks/s', 'max lag ms', 'p99 lag ms'], rows));
    if (options.saveResults) {
      const file = appendResult('embed-thread', {
        date: startedAt.toISOString(),
        ...gitRevision(),
        machine,
        model: options.model,
        runs: options.runs,
        batches: options.batches,
        batchSize: options.batchSize,
        meanTokens: Math.round(meanTokens),
        embedders: summary,
      });
      console.log(`\nresults appended to ${file}`);
    }
    return 0;
  } finally {
    await Promise.allSettled([...embedders.values()].map((embedder) => embedder.close?.()));
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
