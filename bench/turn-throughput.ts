/**
 * Chat turn throughput on a private stack: an open-loop load of `MemflowClient.chat` turns (Poisson
 * arrivals, or a fixed interval) spread round-robin over N sessions, at rising rates, until a step's
 * p99 passes 300 ms or a turn fails (the knee), or the maximum rate; then optionally a soak at 80 %
 * of the knee. The worker runs in this process (`createWorker`, product options) with the instant
 * scripted LLM (test/support) and the configured local embedder; the tenant holds `--corpus manual`
 * (default: the whole PostgreSQL manual, asked the questions of bench/questions/postgres-manual.jsonl;
 * `--docs N` takes its first N pages for a quick check) or `--corpus fixtures` (test/fixtures/corpus,
 * 19 chunks: the small-corpus floor), ingested untimed (bench/support/turn-corpus.ts). Latency runs
 * from a turn's scheduled arrival to its reply, so a late send counts against the system, not for it.
 * Never fails on timings; exits 1 on the time limit.
 *
 * Usage: node --import tsx bench/turn-throughput.ts [--corpus manual|fixtures (manual)] [--docs N (all)]
 *        [--start-rate R (5)] [--step S (5)] [--step-seconds T (20)] [--max-rate M (60)] [--sessions N (50)]
 *        [--soak-seconds S (0)] [--arrivals poisson|fixed] [--questions unique|repeat]
 *        [--llm-steps activity|local] [--turns chat|noop] [--timeout-minutes M (20, + 30 for the manual)]
 *        [--no-results]
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ParseArgsConfig } from 'node:util';
import { parseArgs } from 'node:util';
import { MemflowClient } from '../client/memflow-client';
import { errorMessage } from '../contracts/errors';
import { MILVUS } from '../devstack/milvus-server';
import { runningRecord } from '../devstack/processes';
import { TEMPORAL } from '../devstack/temporal-server';
import { chatWorkflowId } from '../contracts/chat';
import { createWorker } from '../workers/worker';
import { forEachBounded, percentile, round1, startInstantModel, withFakeLlm, withTimeout } from './support/chat-load';
import type { CpuUse } from './support/cpu-meter';
import { startCpuMeter } from './support/cpu-meter';
import type { PrivateStack } from './support/private-stack';
import { withPrivateStack } from './support/private-stack';
import { formatTable, recordResult } from './support/results';
import { ingestTimings } from './support/workflow-timings';
import { UsageError, startBench } from './support/cli-options';
import { startNoopTurns } from './support/noop-turn-worker';
import type { TurnCorpus } from './support/turn-corpus';
import {
  CACHED_QUESTION_COUNT,
  corpusOptions,
  corpusQuestions,
  ingestTurnCorpus,
  questionCycle,
} from './support/turn-corpus';

const P99_LIMIT_MS = 300;
/** A turn without a reply after this long counts as failed (it goes on in the background). */
const TURN_TIMEOUT_MS = 30_000;
const USAGE =
  'Usage: node --import tsx bench/turn-throughput.ts [--corpus manual|fixtures (manual)] [--docs N (all)] ' +
  '[--start-rate R (5)] [--step S (5)] [--step-seconds T (20)] ' +
  '[--max-rate M (60)] [--sessions N (50)] [--soak-seconds S (0)] [--arrivals poisson|fixed] ' +
  '[--questions unique|repeat] [--llm-steps activity|local] [--turns chat|noop] ' +
  '[--timeout-minutes M (20, + 30 for the manual)] [--no-results]';

interface Options {
  corpus: TurnCorpus;
  /** The first N pages of the manual; absent: all of it. */
  docs?: number;
  startRate: number;
  step: number;
  stepSeconds: number;
  maxRate: number;
  sessions: number;
  soakSeconds: number;
  arrivals: 'poisson' | 'fixed';
  questions: 'unique' | 'repeat';
  /** How the sessions run their LLM steps (`ChatSessionInput.llmSteps`). */
  llmSteps: 'activity' | 'local';
  /**
   * `chat`: memflow's chat turns. `noop`: the shape of an `llmSteps: 'local'` turn with no-op steps
   * (bench/support/noop-turn-workflow.ts) on a second worker in this process: the SDK's ceiling.
   */
  turns: 'chat' | 'noop';
  timeoutMinutes: number;
  saveResults: boolean;
}

type Log = (line: string) => void;

function num(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min)
    throw new UsageError(`--${name} must be a number ≥ ${min}, got ${JSON.stringify(value)}.`);
  return n;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T {
  if (value === undefined) return allowed[0]!;
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}.`);
  return value as T;
}

function parseOptions(argv: string[]): Options {
  const flags: ParseArgsConfig['options'] = {
    'no-results': { type: 'boolean' },
    ...Object.fromEntries(
      [
        'corpus',
        'docs',
        'start-rate',
        'step',
        'step-seconds',
        'max-rate',
        'sessions',
        'soak-seconds',
        'arrivals',
        'questions',
        'llm-steps',
        'turns',
        'timeout-minutes',
      ].map((name) => [name, { type: 'string' as const }]),
    ),
  };
  const { values: v } = parseArgs({ args: argv, options: flags });
  const s = (name: string) => v[name] as string | undefined;
  const corpus = corpusOptions(s('corpus'), s('docs'));
  const options: Options = {
    ...corpus,
    startRate: num('start-rate', s('start-rate'), 5, 0.1),
    step: num('step', s('step'), 5, 0.1),
    stepSeconds: num('step-seconds', s('step-seconds'), 20, 1),
    maxRate: num('max-rate', s('max-rate'), 60, 0.1),
    sessions: Math.round(num('sessions', s('sessions'), 50, 1)),
    soakSeconds: num('soak-seconds', s('soak-seconds'), 0, 0),
    arrivals: oneOf('arrivals', s('arrivals'), ['poisson', 'fixed'] as const),
    questions: oneOf('questions', s('questions'), ['unique', 'repeat'] as const),
    llmSteps: oneOf('llm-steps', s('llm-steps'), ['activity', 'local'] as const),
    turns: oneOf('turns', s('turns'), ['chat', 'noop'] as const),
    // The whole manual takes about ten minutes to ingest on two cores.
    timeoutMinutes: num('timeout-minutes', s('timeout-minutes'), corpus.corpus === 'manual' ? 50 : 20, 1),
    saveResults: v['no-results'] !== true,
  };
  if (options.maxRate < options.startRate) throw new UsageError('--max-rate must be ≥ --start-rate.');
  return options;
}

interface TurnSample {
  session: number;
  /** Scheduled arrival and reply, ms on this process's clock (performance.now()). */
  scheduledAt: number;
  sentLateMs: number;
  ms: number;
  error?: string;
}

interface StepResult {
  name: string;
  offeredRate: number;
  seconds: number;
  turns: number;
  errors: number;
  /** Turns that completed inside the step's window, per second of it. */
  achievedRate: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  maxSentLateMs: number;
  sampleErrors: string[];
  cpu?: CpuUse;
  /** CPU milliseconds per turn offered, by process: this one (worker, client, fake LLM), Temporal, Milvus. */
  cpuMsPerTurn: { bench: number; temporal: number; milvus: number; total: number };
  /** This process's event-loop delay (it hosts the worker): p99 and max, ms. */
  loopP99Ms: number;
  loopMaxMs: number;
  loadAverage1m: number;
  passed: boolean;
}

/** xorshift32 in [0, 1): the same arrival pattern from run to run. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

async function runBench(stack: PrivateStack, options: Options, log: Log, signal: AbortSignal) {
  const model = await startInstantModel(stack);
  const config = withFakeLlm(stack.config, model);
  const tenant = `tput-${stack.runId}`;
  const worker = await createWorker(config);
  const running = worker.run();
  const client = await MemflowClient.connect(config);
  const noop = options.turns === 'noop' ? await startNoopTurns(config, client.temporal, stack.runId) : undefined;
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await noop?.close().catch((err: unknown) => log(`no-op worker stopped with ${errorMessage(err)}`));
      await client.close().catch(() => undefined);
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
      await running.catch((err: unknown) => log(`worker stopped with ${errorMessage(err)}`));
    })());
  stack.onTeardown(close);

  try {
    const ingested = await ingestTurnCorpus(client, stack.base, tenant, options, log);
    const chunks = ingested.chunks;
    const sessionId = (i: number) => `s${i}`;
    const questions = corpusQuestions(options.corpus);
    let sequence = 0;
    const nextNew = questionCycle(questions);
    // Unique text makes every turn embed its query; repeated text hits the worker's query cache.
    const question = (i: number) => {
      if (options.questions === 'repeat') return questions[i % Math.min(questions.length, CACHED_QUESTION_COUNT)]!;
      // On the fixtures, today's six questions with a counter; on the manual, the set's questions in turn.
      return options.corpus === 'fixtures' ? `${questions[i % questions.length]!} (${sequence++})` : nextNew();
    };
    const chat = (session: number, text: string) =>
      withTimeout(
        noop
          ? noop.turn(text, session)
          : client.chat(tenant, sessionId(session), text, {
              requestId: crypto.randomUUID(),
              session: { llmSteps: options.llmSteps },
            }),
        TURN_TIMEOUT_MS,
        'turn',
      );

    const warmStarted = performance.now();
    const warmErrors = await forEachBounded(options.sessions, 10, (i) => chat(i, question(i)), signal);
    const warmSeconds = round1((performance.now() - warmStarted) / 1000);
    if (warmErrors.length > 0) throw new Error(`Opening the sessions failed: ${warmErrors[0]}`);
    log(`opened ${options.sessions} sessions with one turn each in ${warmSeconds}s`);

    const [temporalPid, milvusPid] = [TEMPORAL, MILVUS].map((name) => runningRecord(config.paths.run, name)?.pid);
    const parts = {
      bench: [process.pid],
      temporal: temporalPid ? [temporalPid] : [],
      milvus: milvusPid ? [milvusPid] : [],
    };
    const pids = Object.values(parts).flat();
    const rand = random(0x7e57);
    let nextSession = 0;
    const samples: TurnSample[] = [];

    /** Offers `rate` turns/s for `seconds`, open loop; resolves once every turn offered has settled. */
    const runStep = async (name: string, rate: number, seconds: number): Promise<StepResult> => {
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const meter = startCpuMeter(pids);
      const partMeters = Object.entries(parts).map(([part, ids]) => [part, startCpuMeter(ids)] as const);
      const loadAverage1m = Math.round(os.loadavg()[0]! * 100) / 100;
      const from = performance.now();
      const to = from + seconds * 1000;
      const stepSamples: TurnSample[] = [];
      const inFlight: Promise<void>[] = [];
      let at = from;
      for (;;) {
        at += options.arrivals === 'fixed' ? 1000 / rate : (-Math.log(1 - rand()) * 1000) / rate;
        if (at >= to) break;
        const wait = at - performance.now();
        if (wait > 1) await sleep(wait, undefined, { signal });
        const scheduledAt = at;
        const session = nextSession++ % options.sessions;
        const sample: TurnSample = {
          session,
          scheduledAt,
          sentLateMs: Math.max(0, performance.now() - scheduledAt),
          ms: 0,
        };
        stepSamples.push(sample);
        inFlight.push(
          chat(session, question(session)).then(
            () => void (sample.ms = performance.now() - scheduledAt),
            (err: unknown) => {
              sample.ms = performance.now() - scheduledAt;
              sample.error = errorMessage(err);
            },
          ),
        );
      }
      await sleep(Math.max(0, to - performance.now()), undefined, { signal });
      const windowEnd = performance.now();
      await Promise.all(inFlight);
      const cpu = meter.stop();
      const perTurn = (seconds: number | undefined) =>
        round1(((seconds ?? 0) * 1000) / Math.max(1, stepSamples.length));
      const byPart = Object.fromEntries(partMeters.map(([part, m]) => [part, perTurn(m.stop()?.ownSeconds)]));
      const cpuMsPerTurn = {
        bench: byPart.bench ?? 0,
        temporal: byPart.temporal ?? 0,
        milvus: byPart.milvus ?? 0,
        total: perTurn(cpu?.ownSeconds),
      };
      loop.disable();
      samples.push(...stepSamples);
      const ok = stepSamples.filter((s) => s.error === undefined);
      const ms = ok.map((s) => s.ms);
      const failed = stepSamples.filter((s) => s.error !== undefined);
      const completedInWindow = ok.filter((s) => s.scheduledAt + s.ms <= windowEnd).length;
      const p99 = round1(percentile(ms, 99));
      return {
        name,
        offeredRate: rate,
        seconds,
        turns: stepSamples.length,
        errors: failed.length,
        achievedRate: round1(completedInWindow / seconds),
        p50: round1(percentile(ms, 50)),
        p95: round1(percentile(ms, 95)),
        p99,
        max: round1(percentile(ms, 100)),
        maxSentLateMs: round1(Math.max(0, ...stepSamples.map((s) => s.sentLateMs))),
        sampleErrors: [...new Set(failed.map((s) => s.error!))].slice(0, 3),
        cpu,
        cpuMsPerTurn,
        loopP99Ms: round1(loop.percentile(99) / 1e6),
        loopMaxMs: round1(loop.max / 1e6),
        loadAverage1m,
        passed: failed.length === 0 && !(p99 > P99_LIMIT_MS),
      };
    };

    const steps: StepResult[] = [];
    for (let rate = options.startRate; rate <= options.maxRate + 1e-9; rate += options.step) {
      const result = await runStep(`${round1(rate)}/s`, round1(rate), options.stepSeconds);
      steps.push(result);
      log(
        `step ${result.name}: ${result.turns} turns, ${result.errors} errors, achieved ${result.achievedRate}/s, ` +
          `p50 ${result.p50} p99 ${result.p99} ms, other CPU ${Math.round((result.cpu?.otherShare ?? 0) * 100)}%`,
      );
      if (!result.passed) break;
    }
    const knee = [...steps].reverse().find((s) => s.passed);
    let soak: StepResult | undefined;
    if (options.soakSeconds > 0 && knee) {
      const rate = round1(knee.offeredRate * 0.8);
      log(`soak: ${options.soakSeconds}s at ${rate}/s (80% of the knee)`);
      soak = await runStep(`soak ${rate}/s`, rate, options.soakSeconds);
    }
    if (noop)
      return {
        chunks,
        ingested,
        questions: questions.length,
        tenant,
        warmSeconds,
        steps,
        knee,
        soak,
        perTurn: {},
        turnsOfSession0: 0,
        eventsPerTurn: 0,
      };
    // Where a turn's time goes, from the histories of a few sessions (after the timed region).
    const timings = await ingestTimings(client.temporal, chatWorkflowId(tenant, sessionId(0)));
    const history = await client.temporal.workflow.getHandle(chatWorkflowId(tenant, sessionId(0))).fetchHistory();
    const turnsOfSession0 = 1 + samples.filter((s) => s.session === 0 && s.error === undefined).length;
    const perTurn = Object.fromEntries(
      Object.entries(timings.activities).map(([type, t]) => [
        type,
        { queuedMs: round1((t.queuedSeconds * 1000) / t.count), runMs: round1((t.runSeconds * 1000) / t.count) },
      ]),
    );
    const eventsPerTurn = round1((history.events?.length ?? 0) / turnsOfSession0);
    return {
      chunks,
      ingested,
      questions: questions.length,
      tenant,
      warmSeconds,
      steps,
      knee,
      soak,
      perTurn,
      turnsOfSession0,
      eventsPerTurn,
    };
  } finally {
    await close();
  }
}

async function main(): Promise<number> {
  const started = startBench(parseOptions, USAGE);
  if (!started) return 2;
  const { options, log, start } = started;
  const run = await withPrivateStack({ label: 'bench', log, timeoutMinutes: options.timeoutMinutes }, (stack, signal) =>
    runBench(stack, options, log, signal),
  );

  const rows = [...run.steps, ...(run.soak ? [run.soak] : [])].map((s) => [
    s.name,
    String(s.turns),
    String(s.errors),
    String(s.achievedRate),
    String(s.p50),
    String(s.p95),
    String(s.p99),
    String(s.max),
    s.cpu ? String(Math.round(s.cpu.otherShare * 100)) : '',
    `${s.cpuMsPerTurn.total} (${s.cpuMsPerTurn.bench}/${s.cpuMsPerTurn.temporal}/${s.cpuMsPerTurn.milvus})`,
    String(s.loopP99Ms),
    String(s.loadAverage1m),
    s.passed ? 'ok' : s.errors > 0 ? 'errors' : `p99 > ${P99_LIMIT_MS}`,
  ]);
  const what =
    options.turns === 'noop'
      ? "No-op turn shape (an llmSteps 'local' turn's 3 local activities doing nothing) throughput"
      : `Chat turn throughput (llmSteps '${options.llmSteps}')`;
  const corpusLabel =
    options.corpus === 'fixtures'
      ? `test/fixtures/corpus (the small-corpus floor), ${run.chunks} chunks`
      : `the PostgreSQL manual${options.docs === undefined ? '' : ` (first ${options.docs} pages only)`}, ` +
        `${run.ingested.documents} pages, ${run.chunks} chunks`;
  console.log(
    `\n${what}: ${options.sessions} sessions, ${options.arrivals} arrivals, ${options.questions} questions, ` +
      `${options.stepSeconds}s steps, instant fake LLM; tenant: ${corpusLabel}. Latency in ms from scheduled arrival.`,
  );
  console.log(
    formatTable(
      [
        'offered',
        'turns',
        'errors',
        'achieved/s',
        'p50',
        'p95',
        'p99',
        'max',
        'other CPU %',
        'CPU ms/turn (worker/temporal/milvus)',
        'loop p99',
        'load 1m',
        'verdict',
      ],
      rows,
    ),
  );
  const goal = { turnsPerSecond: 40, p99Ms: P99_LIMIT_MS };
  const kneeRate = run.knee?.achievedRate;
  console.log(
    run.knee
      ? `\nknee: ${run.knee.offeredRate}/s offered, ${kneeRate}/s achieved, p99 ${run.knee.p99} ms` +
          `${run.steps.at(-1)?.passed ? ' (the maximum rate: no knee reached)' : ''}; ` +
          (options.turns === 'noop'
            ? `the SDK's ceiling for a turn's shape (the goal of ≥ ${goal.turnsPerSecond}/s is for chat turns)`
            : `goal ≥ ${goal.turnsPerSecond}/s: ${(kneeRate ?? 0) >= goal.turnsPerSecond ? 'met' : 'not met'}`)
      : `\nknee: below the start rate ${options.startRate}/s`,
  );
  for (const s of run.steps.filter((x) => x.sampleErrors.length > 0))
    console.log(`errors at ${s.name}: ${s.sampleErrors.join(' | ')}`);
  if (options.turns === 'chat')
    console.log(
      `per turn, session s0 (${run.turnsOfSession0} turns, ${run.eventsPerTurn} history events per turn): ` +
        Object.entries(run.perTurn)
          .map(([type, t]) => `${type} queued ${t.queuedMs} run ${t.runMs} ms`)
          .join(', '),
    );
  if (!options.saveResults) {
    console.log('results not recorded (--no-results)');
    return 0;
  }
  const { saveResults: _saveResults, ...params } = options;
  const file = recordResult('turn-throughput', {
    start,
    cpu: [...run.steps, ...(run.soak ? [run.soak] : [])].map((s) => s.cpu),
    params: {
      ...params,
      documents: run.ingested.documents,
      chunks: run.chunks,
      questionSet: run.questions,
      turnTimeoutMs: TURN_TIMEOUT_MS,
      llm: 'instant fake (test/support)',
    },
    results: {
      chunks: run.chunks,
      ingest: { seconds: run.ingested.seconds, failed: run.ingested.failed },
      warmSeconds: run.warmSeconds,
      steps: run.steps,
      soak: run.soak,
      knee: run.knee
        ? { offeredRate: run.knee.offeredRate, achievedRate: run.knee.achievedRate, p99: run.knee.p99 }
        : null,
      kneeReached: run.steps.at(-1)?.passed === false,
      perTurnSession0: run.perTurn,
      historyEventsPerTurn: run.eventsPerTurn,
      goal,
      meetsGoal:
        options.turns === 'chat' &&
        (kneeRate ?? 0) >= goal.turnsPerSecond &&
        (run.soak === undefined || run.soak.errors === 0),
    },
  });
  console.log(`results appended to ${file}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[bench] failed: ${errorMessage(err)}`);
    process.exit(1);
  },
);
