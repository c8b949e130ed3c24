/**
 * What Temporal adds to a chat turn, on a private stack: one turn through `MemflowClient.chat`
 * (update-with-start into the `chatSession` workflow on the in-process worker), both as sessions
 * run by default (retrieveChunks, which pins the index, a local activity; planTurn and writeAnswer
 * ordinary activities) and with `llmSteps: 'local'` (all three local: one workflow task per turn),
 * versus the same activity functions called in this process in `runTurn`'s order, with the
 * scripted fake LLM answering after a fixed latency (0 and 100 ms by default), and versus the
 * floor: one Update round trip on the same session and server that the handler answers from its
 * cache (a repeated requestId under a new updateId: a full workflow task, no activity), the same
 * through update-with-start (what `chat` sends), a `history` Query, and the turn's shape alone: an
 * Update on a second worker whose handler runs three no-op local activities as a local turn runs its
 * steps (bench/support/noop-turn-workflow.ts), the SDK's floor for that shape. Variants are interleaved
 * turn by turn so drift falls on all of them. Never fails on timings; exits 1 on the time limit.
 *
 * Usage: node --import tsx bench/turn-overhead.ts [--turns N (100)] [--warmup W (10)]
 *        [--latencies 0,100] [--turns-per-session S (40)] [--timeout-minutes M (8)]
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { MILVUS } from '../devstack/milvus-server';
import { runningRecord } from '../devstack/processes';
import { TEMPORAL } from '../devstack/temporal-server';
import { MemflowSession, MemflowTenant } from '../contracts/search-attributes';
import type { chatSession } from '../workflows/chat/chat-session';
import { chatWorkflowId, historyQuery, sendMessageUpdate } from '../contracts/chat';
import type { CpuUse } from './support/cpu-meter';
import { startCpuMeter } from './support/cpu-meter';
import type { PrivateStack } from './support/private-stack';
import { withPrivateStack } from './support/private-stack';
import { formatTable, recordResult } from './support/results';
import { FIXTURE_QUESTIONS, nowMs } from './support/search-load';
import type { ChatBench, Percentiles, RecentTurns } from './support/turn-latency-stack';
import { inProcessTurn, percentiles, startChatBench } from './support/turn-latency-stack';
import { integer, startBench } from './support/cli-options';
import type { NoopTurns } from './support/noop-turn-worker';
import { startNoopTurns } from './support/noop-turn-worker';

const USAGE =
  'Usage: node --import tsx bench/turn-overhead.ts [--turns N (100)] [--warmup W (10)] [--latencies 0,100] ' +
  '[--turns-per-session S (40)] [--timeout-minutes M (8)]';
const VARIANTS = ['temporal', 'temporalLocal', 'inProcess', 'update', 'updateWithStart', 'query', 'noopTurn'] as const;
/** The two ways a turn runs through Temporal (see `ChatSessionInput.llmSteps`). */
const TURN_VARIANTS = ['temporal', 'temporalLocal'] as const;
type TurnVariant = (typeof TURN_VARIANTS)[number];
type Variant = (typeof VARIANTS)[number];
const LABELS: Record<Variant, string> = {
  temporal: 'turn through Temporal (chat, default)',
  temporalLocal: "turn through Temporal (llmSteps 'local')",
  inProcess: 'turn in-process (same activities)',
  update: 'floor: Update round trip (cached reply)',
  updateWithStart: 'floor: update-with-start (cached reply)',
  query: 'floor: history Query',
  noopTurn: "floor: Update running a local turn's 3 steps as no-ops",
};
/** The anchor of the issue: a bare Update round trip on a local dev server. */
const ANCHOR = { p50: 7, p99: 10 };

interface Options {
  turns: number;
  warmup: number;
  latencies: number[];
  turnsPerSession: number;
  timeoutMinutes: number;
}

function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      turns: { type: 'string' },
      warmup: { type: 'string' },
      latencies: { type: 'string' },
      'turns-per-session': { type: 'string' },
      'timeout-minutes': { type: 'string' },
    },
  });
  const latencies = (v.latencies ?? '0,100').split(',').map((s) => integer('latencies', s.trim(), 0, 0));
  return {
    turns: integer('turns', v.turns, 100, 1),
    warmup: integer('warmup', v.warmup, 10, 0),
    latencies,
    turnsPerSession: integer('turns-per-session', v['turns-per-session'], 40, 1),
    timeoutMinutes: integer('timeout-minutes', v['timeout-minutes'], 8, 1),
  };
}

type Percentiles3 = { p50: number; p95: number; p99: number };

interface LatencyRun {
  llmLatencyMs: number;
  samples: Record<Variant, number[]>;
  /** Temporal turn − in-process turn of the same iteration. */
  paired: Record<TurnVariant, number[]>;
  sessions: number;
  cpu?: CpuUse;
  loadAverage1m: number;
}

async function measure(
  bench: ChatBench,
  noop: NoopTurns,
  options: Options,
  llmLatencyMs: number,
  pids: number[],
  signal: AbortSignal,
) {
  const { client, tenant } = bench;
  const temporal = client.temporal;
  bench.setLlmLatency(llmLatencyMs);
  const samples = Object.fromEntries(VARIANTS.map((v) => [v, [] as number[]])) as Record<Variant, number[]>;
  const paired: Record<TurnVariant, number[]> = { temporal: [], temporalLocal: [] };
  const recent: RecentTurns = [];
  let sessions = 0;
  let sessionId = '';
  let answered = '';
  let sessionTurns = 0;
  // A new session every S turns keeps histories short of continue-as-new (2,000 events): no
  // summary or run change falls inside a timed turn. Its first turn starts the workflow, untimed.
  const newSession = async () => {
    sessionId = `overhead-${llmLatencyMs}-${sessions++}`;
    answered = (await client.chat(tenant, sessionId, FIXTURE_QUESTIONS[0]!)).requestId;
    await client.chat(tenant, `${sessionId}-local`, FIXTURE_QUESTIONS[0]!, { session: { llmSteps: 'local' } });
    await noop.newSession();
    await noop.turn('warm');
    sessionTurns = 0;
  };
  const timed = async (variant: Variant, record: boolean, fn: () => Promise<unknown>) => {
    const started = nowMs();
    await fn();
    const ms = nowMs() - started;
    if (record) samples[variant].push(ms);
    return ms;
  };
  let meter: ReturnType<typeof startCpuMeter> | undefined;
  let loadAverage1m = 0;
  for (let i = 0; i < options.warmup + options.turns; i++) {
    signal.throwIfAborted();
    if (i === options.warmup) {
      meter = startCpuMeter(pids);
      loadAverage1m = Math.round(os.loadavg()[0]! * 100) / 100;
    }
    if (sessionId === '' || sessionTurns >= options.turnsPerSession) await newSession();
    const record = i >= options.warmup;
    const text = FIXTURE_QUESTIONS[i % FIXTURE_QUESTIONS.length]!;
    const workflowId = chatWorkflowId(tenant, sessionId);
    const handle = temporal.workflow.getHandle(workflowId);
    const viaTemporal = await timed('temporal', record, () => client.chat(tenant, sessionId, text));
    const viaTemporalLocal = await timed('temporalLocal', record, () =>
      client.chat(tenant, `${sessionId}-local`, text, { session: { llmSteps: 'local' } }),
    );
    sessionTurns++;
    const inProcess = await timed('inProcess', record, () => inProcessTurn(bench.activities, tenant, text, recent));
    if (record) {
      paired.temporal.push(viaTemporal - inProcess);
      paired.temporalLocal.push(viaTemporalLocal - inProcess);
    }
    // A repeated requestId under a fresh updateId: the server cannot dedupe it, the workflow answers it.
    const cached = { requestId: answered, text };
    await timed('update', record, () =>
      handle.executeUpdate(sendMessageUpdate, { args: [cached], updateId: crypto.randomUUID() }),
    );
    await timed('updateWithStart', record, () =>
      temporal.workflow.executeUpdateWithStart(sendMessageUpdate, {
        args: [cached],
        updateId: crypto.randomUUID(),
        startWorkflowOperation: new WithStartWorkflowOperation<typeof chatSession>('chatSession', {
          workflowId,
          taskQueue: bench.config.temporal.taskQueue,
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [{ tenant, sessionId }],
          typedSearchAttributes: [
            { key: MemflowTenant, value: tenant },
            { key: MemflowSession, value: sessionId },
          ],
          memo: { tenant, sessionId },
        }),
      }),
    );
    await timed('query', record, () => handle.query(historyQuery));
    await timed('noopTurn', record, () => noop.turn(text));
  }
  const run: LatencyRun = { llmLatencyMs, samples, paired, sessions, cpu: meter?.stop(), loadAverage1m };
  for (let s = 0; s < sessions; s++) {
    await client.endSession(tenant, `overhead-${llmLatencyMs}-${s}`);
    await client.endSession(tenant, `overhead-${llmLatencyMs}-${s}-local`);
  }
  return run;
}

async function runBench(stack: PrivateStack, options: Options, log: (line: string) => void, signal: AbortSignal) {
  const bench = await startChatBench(stack, log);
  const noop = await startNoopTurns(bench.config, bench.client.temporal, stack.runId);
  try {
    const pids = [
      process.pid,
      ...[TEMPORAL, MILVUS].flatMap((name) => runningRecord(stack.config.paths.run, name)?.pid ?? []),
    ];
    const runs: LatencyRun[] = [];
    for (const latency of options.latencies) {
      log(`LLM latency ${latency} ms: ${options.warmup} warm-up + ${options.turns} measured iterations`);
      runs.push(await measure(bench, noop, options, latency, pids, signal));
    }
    return { chunks: bench.chunks, runs };
  } finally {
    await noop.close();
    await bench.close();
  }
}

function analyze(run: LatencyRun) {
  const stats = Object.fromEntries(VARIANTS.map((v) => [v, percentiles(run.samples[v])])) as Record<
    Variant,
    Percentiles
  >;
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const turns = Object.fromEntries(
    TURN_VARIANTS.map((v) => {
      const overhead = {
        p50: Math.round((stats[v].p50 - stats.inProcess.p50) * 10) / 10,
        p95: Math.round((stats[v].p95 - stats.inProcess.p95) * 10) / 10,
        p99: Math.round((stats[v].p99 - stats.inProcess.p99) * 10) / 10,
      };
      const vsFloor = { p50: ratio(overhead.p50, stats.update.p50), p99: ratio(overhead.p99, stats.update.p99) };
      return [
        v,
        { overhead, paired: percentiles(run.paired[v]), vsFloor, meetsGoal: vsFloor.p50 <= 2 && vsFloor.p99 <= 2 },
      ];
    }),
  ) as Record<
    TurnVariant,
    { overhead: Percentiles3; paired: Percentiles; vsFloor: { p50: number; p99: number }; meetsGoal: boolean }
  >;
  return { stats, turns };
}

async function main(): Promise<number> {
  const started = startBench(parseOptions, USAGE);
  if (!started) return 2;
  const { options, log, start } = started;
  const result = await withPrivateStack(
    { label: 'bench', log, timeoutMinutes: options.timeoutMinutes },
    (stack, signal) => runBench(stack, options, log, signal),
  );
  const fmt = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(1));
  const analyses = result.runs.map((run) => ({ run, ...analyze(run) }));
  for (const a of analyses) {
    console.log(
      `\nFake LLM latency ${a.run.llmLatencyMs} ms (${a.run.samples.temporal.length} turns per variant, ${a.run.sessions} sessions, ` +
        `${result.chunks} chunks; other CPU ${a.run.cpu ? Math.round(a.run.cpu.otherShare * 100) : '-'} %, load ${a.run.loadAverage1m}), ms:`,
    );
    const rows = VARIANTS.map((v) => [
      LABELS[v],
      ...[a.stats[v].p50, a.stats[v].p95, a.stats[v].p99, a.stats[v].max].map(fmt),
    ]);
    for (const [i, v] of TURN_VARIANTS.entries()) {
      const t = a.turns[v];
      rows.push(
        [
          `overhead, ${i === 0 ? 'default' : "llmSteps 'local'"} (− in-process)`,
          fmt(t.overhead.p50),
          fmt(t.overhead.p95),
          fmt(t.overhead.p99),
          '',
        ],
        ['  paired, per iteration', fmt(t.paired.p50), fmt(t.paired.p95), fmt(t.paired.p99), fmt(t.paired.max)],
      );
    }
    console.log(formatTable(['variant', 'p50', 'p95', 'p99', 'max'], rows));
    for (const v of TURN_VARIANTS) {
      const t = a.turns[v];
      console.log(
        `${v === 'temporal' ? 'default' : "llmSteps 'local'"}: overhead / Update round trip: p50 ${t.vsFloor.p50}×, p99 ${t.vsFloor.p99}× ` +
          `(goal ≤ 2×: ${t.meetsGoal ? 'met' : 'not met'})`,
      );
    }
    console.log(
      `anchor ${ANCHOR.p50} ms p50 / ${ANCHOR.p99} ms p99 → this server's floor ${fmt(a.stats.update.p50)} / ${fmt(a.stats.update.p99)} ms`,
    );
    const shape = a.stats.noopTurn;
    const local = a.turns.temporalLocal.overhead;
    console.log(
      `the local turn's shape with no-op steps: ${fmt(shape.p50)} / ${fmt(shape.p99)} ms p50/p99 = ` +
        `${(shape.p50 / a.stats.update.p50).toFixed(2)}× / ${(shape.p99 / a.stats.update.p99).toFixed(2)}× the Update round trip; ` +
        `llmSteps 'local' overhead beyond it: ${fmt(local.p50 - shape.p50)} ms p50`,
    );
  }
  const file = recordResult('turn-overhead', {
    start,
    params: {
      ...options,
      corpus: 'test/fixtures/corpus',
      questions: FIXTURE_QUESTIONS.length,
      embedder: 'local (worker default)',
    },
    cpu: result.runs.map((r) => r.cpu),
    results: {
      chunks: result.chunks,
      anchor: ANCHOR,
      latencies: analyses.map((a) => ({
        llmLatencyMs: a.run.llmLatencyMs,
        sessions: a.run.sessions,
        otherCpuShare: a.run.cpu?.otherShare,
        ownCpuSeconds: a.run.cpu?.ownSeconds,
        loadAverage1m: a.run.loadAverage1m,
        ...a.stats,
        overhead: a.turns.temporal.overhead,
        pairedOverhead: a.turns.temporal.paired,
        overheadVsUpdate: a.turns.temporal.vsFloor,
        meetsGoal: a.turns.temporal.meetsGoal,
        llmStepsLocal: a.turns.temporalLocal,
      })),
    },
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
