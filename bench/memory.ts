/**
 * Worker memory with many open chat sessions, on a private stack: the worker runs in a child process
 * of its own (`memflow worker`) so its RSS is read alone from /proc; the instant scripted LLM runs in
 * this process. `--max-cached W` sets its WORKER_MAX_CACHED_WORKFLOWS, `--arena on|off` its
 * EMBEDDING_MEMORY_ARENA, `--heap-mib H` its V8 heap limit (`--max-old-space-size`; 0: Node's own) and
 * `--worker-env K=V` any other variable (e.g. glibc's MALLOC_TRIM_THRESHOLD_); unset, the worker
 * gets the configuration of this process, started as `memflow stack up` starts it (defaults: cache
 * 250, arena off, heap 384 MiB, malloc trim; devstack/worker-process.ts). N sessions are
 * opened with one turn each (bounded concurrency), then K random sessions get a second turn (with a
 * bounded cache, most were evicted and replay).
 * RSS is sampled when the worker starts, after the corpus is ingested (idle), after the sessions
 * (and again after a pause), and after the second turns. Goal: ≤ 600 MB. Never fails on the
 * numbers; exits 1 on failed turns or the time limit.
 *
 * Usage: node --import tsx bench/memory.ts [--sessions N (1000)] [--max-cached W] [--arena on|off]
 *        [--heap-mib H] [--worker-env K=V …] [--concurrency C (20)] [--second-turns K (100)]
 *        [--timeout-minutes M (20)]
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { MemflowClient } from '../client/memflow-client';
import type { MemflowConfig } from '../config/config';
import { loadConfig } from '../config/config';
import { errorMessage } from '../contracts/errors';
import { MILVUS } from '../devstack/milvus-server';
import { runningRecord } from '../devstack/processes';
import { TEMPORAL } from '../devstack/temporal-server';
import { workerProcessEnv } from '../devstack/worker-process';
import {
  FIXTURE_QUESTIONS,
  forEachBounded,
  ingestFixtures,
  round1,
  startInstantModel,
  withFakeLlm,
  withTimeout,
} from './support/chat-load';
import type { CpuUse } from './support/cpu-meter';
import { startCpuMeter } from './support/cpu-meter';
import type { PrivateStack } from './support/private-stack';
import { withPrivateStack } from './support/private-stack';
import { formatTable, recordResult } from './support/results';
import { stackEnv } from './support/stack-env';
import { rssMiB, spawnWorkerChild } from './support/worker-child';
import { UsageError, integer, startBench } from './support/cli-options';

const GOAL_MB = 600;
const TURN_TIMEOUT_MS = 60_000;
/** Pause before the "settled" sample: lets the turn burst's garbage be collected. */
const SETTLE_MS = 10_000;
const USAGE =
  'Usage: node --import tsx bench/memory.ts [--sessions N (1000)] [--max-cached W] [--arena on|off] ' +
  '[--heap-mib H] [--worker-env K=V …] [--concurrency C (20)] [--second-turns K (100)] [--timeout-minutes M (20)]';

interface Options {
  sessions: number;
  maxCached?: number;
  arena?: boolean;
  heapMiB?: number;
  workerEnv: Record<string, string>;
  concurrency: number;
  secondTurns: number;
  timeoutMinutes: number;
}

type Log = (line: string) => void;

function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      sessions: { type: 'string' },
      'max-cached': { type: 'string' },
      arena: { type: 'string' },
      'heap-mib': { type: 'string' },
      'worker-env': { type: 'string', multiple: true },
      concurrency: { type: 'string' },
      'second-turns': { type: 'string' },
      'timeout-minutes': { type: 'string' },
    },
  });
  const sessions = integer('sessions', v.sessions, 1000, 1);
  if (v.arena !== undefined && v.arena !== 'on' && v.arena !== 'off')
    throw new UsageError(`--arena takes on or off, got ${JSON.stringify(v.arena)}.`);
  const workerEnv: Record<string, string> = {};
  for (const pair of v['worker-env'] ?? []) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new UsageError(`--worker-env takes NAME=value, got ${JSON.stringify(pair)}.`);
    workerEnv[match[1]!] = match[2]!;
  }
  return {
    sessions,
    workerEnv,
    maxCached: v['max-cached'] === undefined ? undefined : integer('max-cached', v['max-cached'], 0, 0),
    arena: v.arena === undefined ? undefined : v.arena === 'on',
    heapMiB: v['heap-mib'] === undefined ? undefined : integer('heap-mib', v['heap-mib'], 0, 0),
    concurrency: integer('concurrency', v.concurrency, 20, 1),
    secondTurns: Math.min(sessions, integer('second-turns', v['second-turns'], 100, 0)),
    timeoutMinutes: integer('timeout-minutes', v['timeout-minutes'], 20, 1),
  };
}

/** The V8 heap limit of a Node process started with `env` (NODE_OPTIONS included). */
function heapLimitMiB(env: NodeJS.ProcessEnv): number {
  const out = execFileSync(process.execPath, ['-p', 'require("v8").getHeapStatistics().heap_size_limit'], {
    env,
    encoding: 'utf8',
  });
  return Math.round(Number(out.trim()) / 1024 ** 2);
}

/** The worker's environment: the stack's, with the flags' overrides. */
function workerEnv(config: MemflowConfig, options: Options): NodeJS.ProcessEnv {
  // As `memflow stack up` starts its worker (devstack/worker-process.ts); the flags override.
  const extra: NodeJS.ProcessEnv = { ...options.workerEnv };
  if (options.maxCached !== undefined) extra.WORKER_MAX_CACHED_WORKFLOWS = String(options.maxCached);
  if (options.arena !== undefined) extra.EMBEDDING_MEMORY_ARENA = String(options.arena);
  return workerProcessEnv(stackEnv(config, extra), options.heapMiB ?? config.worker.heapMiB);
}

interface Sample {
  phase: string;
  rssMiB: number;
  peakMiB: number;
  /** The machine's 1-minute load average when sampled (2 cores, shared). */
  load1m: number;
  /** Other processes' share of the machine's CPU during the phase's turns. */
  otherCpuShare?: number;
  seconds?: number;
  turns?: number;
  errors?: number;
  turnsPerSecond?: number;
}

/** Distinct indexes in [0, n), `k` of them, the same from run to run. */
function pick(n: number, k: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let state = 0x5eed;
  for (let i = n - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, k);
}

async function runBench(stack: PrivateStack, options: Options, log: Log, signal: AbortSignal) {
  const model = await startInstantModel(stack);
  const config = withFakeLlm(stack.config, model);
  const tenant = `mem-${stack.runId}`;
  const env = workerEnv(config, options);
  const seen = loadConfig(env); // what the worker will read
  const worker = await spawnWorkerChild('bin/memflow.js', env);
  stack.onTeardown(() => worker.stop());
  const client = await MemflowClient.connect(config);
  stack.onTeardown(() => client.close());
  const settings = {
    maxCachedWorkflows: seen.worker.maxCachedWorkflows,
    memoryArena: seen.embedding.memoryArena,
    heapLimitMiB: heapLimitMiB(env),
  };
  log(
    `worker pid ${worker.pid}: maxCachedWorkflows ${settings.maxCachedWorkflows}, ` +
      `memory arena ${settings.memoryArena ? 'on' : 'off'}, heap limit ${settings.heapLimitMiB} MiB`,
  );

  const samples: Sample[] = [];
  const sample = (phase: string, extra: Partial<Sample> = {}) => {
    const rss = rssMiB(worker.pid);
    if (!rss) throw new Error(`The worker (pid ${worker.pid}) is gone:\n${worker.output()}`);
    const load1m = round1(os.loadavg()[0]!);
    samples.push({ phase, rssMiB: rss.rss, peakMiB: rss.peak, load1m, ...extra });
    log(`${phase}: RSS ${rss.rss} MiB (peak ${rss.peak}), load ${load1m}`);
  };
  const chat = (session: number, turn: number) =>
    withTimeout(
      client.chat(tenant, `s${session}`, FIXTURE_QUESTIONS[(session + turn) % FIXTURE_QUESTIONS.length]!, {
        requestId: crypto.randomUUID(),
      }),
      TURN_TIMEOUT_MS,
      'turn',
    );
  // The turns are the measured regions: the worker, this process (client, fake LLM), Temporal, Milvus.
  const pids = [
    process.pid,
    worker.pid,
    ...[TEMPORAL, MILVUS].flatMap((name) => runningRecord(config.paths.run, name)?.pid ?? []),
  ];
  const cpu: (CpuUse | undefined)[] = [];
  const timed = async (phase: string, count: number, task: (i: number) => Promise<unknown>) => {
    const meter = startCpuMeter(pids);
    const started = performance.now();
    let done = 0;
    const counted = async (i: number) => {
      await task(i).finally(() => {
        if (++done % 250 === 0) log(`  ${done}/${count} turns, RSS ${rssMiB(worker.pid)?.rss ?? '?'} MiB`);
      });
    };
    const errors = await forEachBounded(count, options.concurrency, counted, signal);
    const seconds = (performance.now() - started) / 1000;
    const used = meter.stop();
    cpu.push(used);
    sample(phase, {
      otherCpuShare: used?.otherShare,
      seconds: round1(seconds),
      turns: count,
      errors: errors.length,
      turnsPerSecond: round1(count / seconds),
    });
    if (errors.length > 0) log(`${errors.length} failed turns, e.g. ${errors[0]}`);
    return errors;
  };

  sample('worker started');
  const chunks = await ingestFixtures(client, config, tenant);
  await sleep(2_000, undefined, { signal });
  sample(`idle (${chunks} chunks ingested)`);
  const opened = await timed(`${options.sessions} sessions opened`, options.sessions, (i) => chat(i, 0));
  await sleep(SETTLE_MS, undefined, { signal });
  sample(`  + ${SETTLE_MS / 1000}s idle`);
  const chosen = pick(options.sessions, options.secondTurns);
  const second = await timed(`second turn, ${options.secondTurns} random sessions`, chosen.length, (i) =>
    chat(chosen[i]!, 1),
  );
  await sleep(SETTLE_MS, undefined, { signal });
  sample(`  + ${SETTLE_MS / 1000}s idle`);
  return { chunks, settings, samples, cpu, failedTurns: opened.length + second.length };
}

async function main(): Promise<number> {
  const started = startBench(parseOptions, USAGE);
  if (!started) return 2;
  const { options, log, start } = started;
  const run = await withPrivateStack({ label: 'bench', log, timeoutMinutes: options.timeoutMinutes }, (stack, signal) =>
    runBench(stack, options, log, signal),
  );

  const { settings } = run;
  console.log(
    `\nWorker RSS (MiB) with ${options.sessions} open sessions: maxCachedWorkflows ${settings.maxCachedWorkflows}, ` +
      `ONNX memory arena ${settings.memoryArena ? 'on' : 'off'}, heap limit ${settings.heapLimitMiB} MiB, ` +
      `${options.concurrency} turns at a time, instant fake LLM, ${run.chunks} chunks; ` +
      `load ${start.loadAverage1m} at the start, ${round1(os.loadavg()[0]!)} at the end.`,
  );
  const cell = (n: number | undefined) => (n === undefined ? '' : String(n));
  console.log(
    formatTable(
      ['phase', 'RSS', 'peak RSS', 'load 1m', 'other CPU %', 'seconds', 'turns', 'errors', 'turns/s'],
      run.samples.map((s) => [
        s.phase,
        String(s.rssMiB),
        String(s.peakMiB),
        String(s.load1m),
        s.otherCpuShare === undefined ? '' : String(Math.round(s.otherCpuShare * 100)),
        cell(s.seconds),
        cell(s.turns),
        cell(s.errors),
        cell(s.turnsPerSecond),
      ]),
    ),
  );
  const idle = run.samples[1]!.rssMiB;
  const afterSessions = run.samples[3]!.rssMiB;
  const worst = Math.max(...run.samples.map((s) => s.peakMiB));
  const perSessionKiB = Math.round(((afterSessions - idle) * 1024) / options.sessions);
  // The goal is in MB as the issue states it; RSS is in MiB (600 MB = 572 MiB).
  const goalMiB = round1((GOAL_MB * 1e6) / 1024 ** 2);
  const meetsGoal = worst <= goalMiB;
  console.log(
    `\n≈ ${perSessionKiB} KiB per open session (settled − idle); peak RSS ${worst} MiB; goal ≤ ${GOAL_MB} MB (${goalMiB} MiB): ${meetsGoal ? 'met' : 'not met'}`,
  );
  const file = recordResult('memory', {
    start,
    cpu: run.cpu,
    params: {
      ...options,
      entry: 'bin/memflow.js',
      ...settings,
      llm: 'instant fake (test/support)',
    },
    results: {
      chunks: run.chunks,
      samples: run.samples,
      perSessionKiB,
      peakMiB: worst,
      failedTurns: run.failedTurns,
      goalMiB,
      meetsGoal,
    },
  });
  console.log(`results appended to ${file}`);
  return run.failedTurns > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[bench] failed: ${errorMessage(err)}`);
    process.exit(1);
  },
);
