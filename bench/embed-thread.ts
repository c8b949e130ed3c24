/**
 * What running the local embedder in a worker thread buys and costs, and what ONNX Runtime's memory
 * arena buys and costs: the main thread's event-loop lag while batches embed (the Temporal worker's
 * queries, workflow tasks and chat turns wait that long), embed throughput, the p50 time of one
 * batch and of one short query (a chat turn embeds 1–3), and RSS. Compares in-thread
 * (`createLocalEmbedder`) vs threaded (`createThreadedLocalEmbedder`), `--intra-op default,1,2`
 * ONNX Runtime thread counts ("default": ONNX Runtime's own for in-thread,
 * `defaultEmbedThreadIntraOp()` for threaded) and `--arena off,on` (`memoryArena`).
 *
 * Each embedder runs in a child process of its own (this script with `--child`), so its RSS is its
 * own: RSS is per process, and an embedding thread's memory is the process's. Only one child works
 * at a time; the order rotates from run to run so drift in machine load falls on all alike.
 *
 * Usage: node --import tsx bench/embed-thread.ts [--model M] [--runs R (3)] [--batches B (3)]
 *        [--batch-size N (32)] [--tokens T (200)] [--queries Q (20)] [--intra-op LIST (default)]
 *        [--arena LIST (off)] [--embedders LIST (in-thread,threaded)] [--no-results]
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Embedder } from '../adapters/embed/embedder';
import { createLocalEmbedder } from '../adapters/embed/local-embedder';
import { createThreadedLocalEmbedder, defaultEmbedThreadIntraOp } from '../adapters/embed/threaded-embedder';
import { loadConfig } from '../config/config';
import { UsageError } from './support/cli-options';
import type { CpuUse } from './support/cpu-meter';
import { startCpuMeter } from './support/cpu-meter';
import { formatTable, median, recordResult, runStart } from './support/results';
import { rssMiB } from './support/worker-child';

const USAGE =
  'Usage: node --import tsx bench/embed-thread.ts [--model M] [--runs R (3)] [--batches B (3)] ' +
  '[--batch-size N (32)] [--tokens T (200)] [--queries Q (20)] [--intra-op LIST (default)] ' +
  '[--arena LIST (off)] [--embedders LIST (in-thread,threaded)] [--no-results]';

/** Tokens of a short query (a chat question). */
const QUERY_TOKENS = 12;

type IntraOp = number | 'default';

interface Mode {
  label: string;
  threaded: boolean;
  intraOp: IntraOp;
  arena: boolean;
}

interface Options {
  model: string;
  runs: number;
  batches: number;
  batchSize: number;
  tokens: number;
  queries: number;
  intraOp: IntraOp[];
  arena: boolean[];
  embedders: boolean[];
  saveResults: boolean;
}

/** What the parent sends a child with `--child`. */
interface ChildSpec extends Options {
  mode: Mode;
  modelsDir: string;
}

interface Ready {
  meanTokens: number;
  rssLoadedMiB: number;
  rssWarmMiB: number;
}

interface Measured {
  seconds: number;
  chunksPerSecond: number;
  batchMs: number[];
  queryMs: number[];
  maxLagMs: number;
  p99LagMs: number;
  rssMiB: number;
  peakMiB: number;
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(value)}.`);
  return n;
}

function list<T>(name: string, value: string, choices: Record<string, T>): T[] {
  return value.split(',').map((v) => {
    if (!(v in choices)) throw new UsageError(`--${name} takes ${Object.keys(choices).join(', ')}; got ${v}.`);
    return choices[v]!;
  });
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
      queries: { type: 'string' },
      'intra-op': { type: 'string' },
      arena: { type: 'string' },
      embedders: { type: 'string' },
      'no-results': { type: 'boolean' },
    },
  });
  return {
    model: values.model ?? defaultModel,
    runs: positiveInt('runs', values.runs, 3),
    batches: positiveInt('batches', values.batches, 3),
    batchSize: positiveInt('batch-size', values['batch-size'], 32),
    tokens: positiveInt('tokens', values.tokens, 200),
    queries: positiveInt('queries', values.queries, 20),
    intraOp: (values['intra-op'] ?? 'default')
      .split(',')
      .map((v) => (v === 'default' ? v : positiveInt('intra-op', v, 1))),
    arena: list('arena', values.arena ?? 'off', { off: false, on: true }),
    embedders: list('embedders', values.embedders ?? 'in-thread,threaded', { 'in-thread': false, threaded: true }),
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
  const step = tokens < 50 ? 1 : 10; // words added between counts
  return Array.from({ length: count }, () => {
    const words: string[] = [];
    while (embedder.countTokens(words.join(' ')) < tokens) {
      for (let i = 0; i < step; i++) words.push(WORDS[next() % WORDS.length]!);
    }
    return words.join(' ');
  });
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const round1 = (n: number) => Math.round(n * 10) / 10;
const ownRss = () => rssMiB(process.pid) ?? { rss: Number.NaN, peak: Number.NaN };

/** `--child`: loads one embedder, warms it up, then measures one run per `run` message. */
async function child(spec: ChildSpec): Promise<void> {
  const local = {
    model: spec.model,
    modelsDir: spec.modelsDir,
    intraOpThreads: spec.mode.intraOp === 'default' ? undefined : spec.mode.intraOp,
    memoryArena: spec.mode.arena,
  };
  const embedder = await (spec.mode.threaded ? createThreadedLocalEmbedder(local) : createLocalEmbedder(local));
  const rssLoadedMiB = ownRss().rss;
  const batches = Array.from({ length: spec.batches }, (_, b) => texts(embedder, spec.batchSize, spec.tokens, b + 1));
  const queries = texts(embedder, spec.queries, QUERY_TOKENS, 1000);
  const all = batches.flat();
  const meanTokens = all.reduce((n, t) => n + embedder.countTokens(t), 0) / all.length;
  // Untimed warm-up: the first passes size ONNX Runtime's arena (if on) and warm the JIT.
  await embedder.embed(batches[0]!);
  for (const query of queries.slice(0, 3)) await embedder.embed([query]);
  process.send!({ meanTokens, rssLoadedMiB, rssWarmMiB: ownRss().rss } satisfies Ready);

  process.on('message', (message: 'run' | 'stop') => {
    if (message === 'stop') {
      void embedder.close?.().finally(() => process.disconnect());
      return;
    }
    void measure(embedder, batches, queries).then((measured) => process.send!(measured));
  });
}

async function measure(embedder: Embedder, batches: string[][], queries: string[]): Promise<Measured> {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const batchMs: number[] = [];
  const started = performance.now();
  for (const batch of batches) {
    const t = performance.now();
    await embedder.embed(batch);
    batchMs.push(round1(performance.now() - t));
  }
  const seconds = (performance.now() - started) / 1000;
  lag.disable();
  const queryMs: number[] = [];
  for (const query of queries) {
    const t = performance.now();
    await embedder.embed([query]);
    queryMs.push(round1(performance.now() - t));
  }
  const chunks = batches.reduce((n, b) => n + b.length, 0);
  const rss = ownRss();
  return {
    seconds: round2(seconds),
    chunksPerSecond: round2(chunks / seconds),
    batchMs,
    queryMs,
    maxLagMs: Math.round(lag.max / 1e6),
    p99LagMs: Math.round(lag.percentile(99) / 1e6),
    rssMiB: rss.rss,
    peakMiB: rss.peak,
  };
}

/** The next message from `proc`; rejects if it exits first. */
function reply<T>(proc: ChildProcess): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`embed-thread child exited (${code}) mid-request`));
    proc.once('exit', onExit);
    proc.once('message', (message) => {
      proc.off('exit', onExit);
      resolve(message as T);
    });
  });
}

/** One child process holding one mode's embedder; one request at a time. */
class ModeChild {
  private constructor(
    private readonly proc: ChildProcess,
    readonly ready: Ready,
  ) {}

  static async start(spec: ChildSpec): Promise<ModeChild> {
    const proc = fork(__filename, ['--child', JSON.stringify(spec)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    try {
      return new ModeChild(proc, await reply<Ready>(proc));
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  run(): Promise<Measured> {
    this.proc.send('run');
    return reply<Measured>(this.proc);
  }

  /** Asks the child to close its embedder and exit; SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    const kill = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    if (this.proc.connected) this.proc.send('stop');
    else this.proc.kill('SIGTERM');
    await exited;
    clearTimeout(kill);
  }
}

function modesOf(options: Options): Mode[] {
  return options.intraOp.flatMap((intraOp) =>
    options.embedders.flatMap((threaded) =>
      options.arena.map((arena) => {
        const threads = intraOp === 'default' && threaded ? `default (${defaultEmbedThreadIntraOp()})` : intraOp;
        return {
          label: `${threaded ? 'threaded' : 'in-thread'}, intra-op ${threads}, arena ${arena ? 'on' : 'off'}`,
          threaded,
          intraOp,
          arena,
        };
      }),
    ),
  );
}

async function main(): Promise<number> {
  const config = loadConfig();
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    await child(JSON.parse(argv[1]!) as ChildSpec);
    return 0;
  }
  let options: Options;
  try {
    options = parseOptions(argv, config.embedding.model);
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const log = (line: string) => console.error(`[bench] ${line}`);
  const start = runStart();
  const load1m = () => round2(os.loadavg()[0]!);
  const modes = modesOf(options);
  const children = new Map<Mode, ModeChild>();
  try {
    for (const mode of modes) {
      const started = await ModeChild.start({ ...options, mode, modelsDir: config.embedding.modelsDir });
      children.set(mode, started);
      log(`${mode.label}: RSS ${started.ready.rssLoadedMiB} MiB loaded, ${started.ready.rssWarmMiB} after warm-up`);
    }
    const meanTokens = children.get(modes[0]!)!.ready.meanTokens;
    log(
      `${options.batches} batches of ${options.batchSize} texts of ~${meanTokens.toFixed(0)} tokens, ${options.queries} queries`,
    );

    const runs: (Measured & { mode: string; run: number; load1m: number })[] = [];
    // The runs are the measured region: this process and every embedder's child process.
    const meter = startCpuMeter([process.pid, ...[...children.values()].flatMap((c) => c.pid ?? [])]);
    for (let run = 1; run <= options.runs; run++) {
      const shift = (run - 1) % modes.length;
      for (const mode of [...modes.slice(shift), ...modes.slice(0, shift)]) {
        const load = load1m();
        const result = { mode: mode.label, run, load1m: load, ...(await children.get(mode)!.run()) };
        runs.push(result);
        log(
          `run ${run} ${mode.label}: ${result.chunksPerSecond} chunks/s, batch p50 ${round1(median(result.batchMs))} ms, ` +
            `query p50 ${round1(median(result.queryMs))} ms, max lag ${result.maxLagMs} ms, load ${load}`,
        );
      }
    }

    const cpu: CpuUse | undefined = meter.stop();
    const rows: string[][] = [];
    const summary = modes.map((mode) => {
      const mine = runs.filter((r) => r.mode === mode.label);
      for (const r of mine) {
        rows.push([
          `${r.mode}: run ${r.run}`,
          String(r.chunksPerSecond),
          String(round1(median(r.batchMs))),
          String(round1(median(r.queryMs))),
          String(r.maxLagMs),
          String(r.rssMiB),
          String(r.load1m),
        ]);
      }
      const ready = children.get(mode)!.ready;
      const last = mine[mine.length - 1]!;
      const medians = {
        chunksPerSecond: round2(median(mine.map((r) => r.chunksPerSecond))),
        batchP50Ms: round1(median(mine.flatMap((r) => r.batchMs))),
        queryP50Ms: round1(median(mine.flatMap((r) => r.queryMs))),
        maxLagMs: median(mine.map((r) => r.maxLagMs)),
        rssLoadedMiB: ready.rssLoadedMiB,
        rssWarmMiB: ready.rssWarmMiB,
        rssEndMiB: last.rssMiB,
        peakMiB: last.peakMiB,
      };
      rows.push([
        `${mode.label}: median`,
        String(medians.chunksPerSecond),
        String(medians.batchP50Ms),
        String(medians.queryP50Ms),
        String(medians.maxLagMs),
        '',
        '',
      ]);
      return { ...mode, ...medians, runs: mine.map(({ mode: _, ...r }) => r) };
    });
    console.log(
      `\n${options.model}: per run ${options.batches} batches × ${options.batchSize} texts of ~${meanTokens.toFixed(0)} tokens, ` +
        `then ${options.queries} single queries of ~${QUERY_TOKENS} tokens; load ${start.loadAverage1m} on ${os.availableParallelism()} CPUs at the start, ` +
        `other processes ${cpu ? Math.round(cpu.otherShare * 100) : '-'} % of the CPU during the runs`,
    );
    console.log(
      formatTable(['embedder', 'chunks/s', 'batch p50 ms', 'query p50 ms', 'max lag ms', 'RSS MiB', 'load 1m'], rows),
    );
    console.log(`\nRSS of each embedder's process, MiB:`);
    console.log(
      formatTable(
        ['embedder', 'loaded', 'after warm-up', 'after runs', 'peak'],
        summary.map((s) => [
          s.label,
          String(s.rssLoadedMiB),
          String(s.rssWarmMiB),
          String(s.rssEndMiB),
          String(s.peakMiB),
        ]),
      ),
    );
    if (options.saveResults) {
      const { saveResults: _, ...params } = options;
      const file = recordResult('embed-thread', {
        start,
        cpu,
        params: { ...params, queryTokens: QUERY_TOKENS, processPerEmbedder: true },
        results: { meanTokens: Math.round(meanTokens), embedders: summary },
      });
      console.log(`\nresults appended to ${file}`);
    }
    return 0;
  } finally {
    await Promise.allSettled([...children.values()].map((c) => c.stop()));
  }
}

main().then(
  (code) => {
    if (process.argv[2] !== '--child') process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
