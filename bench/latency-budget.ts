/**
 * The non-LLM part of a chat turn split into budget lines, on a private stack with the local
 * embedder and the scripted fake LLM answering at once. Turns go through `MemflowClient.chat`, one
 * at a time; afterwards each turn's Temporal history (bench/support/turn-timeline.ts) and the
 * client's send and receive times, with each step's run time recorded on the worker by an activity
 * interceptor (local activities leave no timestamps in history), split it into: routing (client →
 * server → the worker picks up the Update's workflow task), session (accepting the Update and the
 * hops between the three steps — workflow tasks and task-queue dispatch for ordinary activities,
 * activations for local ones), the three steps' run times (planTurn and writeAnswer: prompt, HTTP
 * to the fake, parsing, chunk texts; retrieveChunks: pinning the live collection, embed + search +
 * live versions + memories) and update (the task completing the Update, the reply to the client).
 * Modes: `cold` asks a new question every turn (the query embedding misses the cache), `cached`
 * repeats warmed questions; each in a default session (LLM steps as ordinary activities) and in
 * one with `llmSteps: 'local'`. Then, in this process with the worker idle: the embed step cold vs. a
 * query-embedding cache hit (`QueryEmbeddingCache.getOrEmbed`), the turn's search alone (both legs
 * fused, `searchLegs`) and each leg apart, pinIndex, and
 * `retrieveChunks` alone on a cache miss and a hit — so retrieveChunks shows with the search's share of it.
 * The tenant holds `--corpus manual` (default: the whole PostgreSQL manual, asked the questions of
 * bench/questions/postgres-manual.jsonl; `--docs N` takes its first N pages for a quick check) or
 * `--corpus fixtures` (test/fixtures/corpus, 19 chunks: the small-corpus floor), ingested untimed
 * (bench/support/turn-corpus.ts). Never fails on timings; exits 1 on the time limit.
 *
 * Usage: node --import tsx bench/latency-budget.ts [--corpus manual|fixtures (manual)] [--docs N (all)]
 *        [--turns N (60)] [--warmup W (5)] [--micro M (200)] [--turns-per-session S (40)]
 *        [--timeout-minutes M (45 manual, 8 fixtures)] [--no-results]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { pinIndex } from '../activities/chat/pin-index';
import { retrieveChunks, searchLegs } from '../activities/chat/retrieve-chunks';
import type { RankedSearch } from '../activities/chat/retrieve-chunks';
import { searchChunkText } from '../adapters/postgres/chunk-text-search';
import { SEARCH_DEPTH } from '../contracts/search';
import { chatWorkflowId } from '../contracts/chat';
import { MILVUS } from '../devstack/milvus-server';
import { runningRecord } from '../devstack/processes';
import { TEMPORAL } from '../devstack/temporal-server';
import { startCpuMeter } from './support/cpu-meter';
import type { PrivateStack } from './support/private-stack';
import { withPrivateStack } from './support/private-stack';
import { formatTable, recordResult } from './support/results';
import { nowMs } from './support/search-load';
import type { ChatBench, Percentiles, StepSpan } from './support/turn-latency-stack';
import { percentiles, startChatBench } from './support/turn-latency-stack';
import type { TurnTimeline } from './support/turn-timeline';
import { turnTimelines } from './support/turn-timeline';
import { integer, startBench } from './support/cli-options';
import type { IngestedCorpus, TurnCorpus } from './support/turn-corpus';
import {
  CACHED_QUESTION_COUNT,
  corpusOptions,
  corpusQuestions,
  ingestTurnCorpus,
  questionCycle,
} from './support/turn-corpus';

const USAGE =
  'Usage: node --import tsx bench/latency-budget.ts [--corpus manual|fixtures (manual)] [--docs N (all)] ' +
  '[--turns N (60)] [--warmup W (5)] [--micro M (200)] [--turns-per-session S (40)] ' +
  '[--timeout-minutes M (45 manual, 8 fixtures)] [--no-results]';
const GOAL_TOTAL_P95_MS = 70;
const GOAL_CACHE_HIT_MS = 1;
/** Issue 15: retrieveChunks on the full manual, on the default stack. */
const GOAL_RETRIEVE_P50_MS = 20;
const GOAL_RETRIEVE_P99_MS = 50;
const MODES = [
  { name: 'cold', cached: false, llmSteps: 'activity' },
  { name: 'cached', cached: true, llmSteps: 'activity' },
  { name: 'cold/local', cached: false, llmSteps: 'local' },
  { name: 'cached/local', cached: true, llmSteps: 'local' },
] as const;
type Mode = (typeof MODES)[number];
const STEPS = ['planTurn', 'retrieveChunks', 'writeAnswer'];

/** Budget lines in display order: [key, issue line, meaning]. */
const LINES = [
  ['routing', 'routing', 'client send → Update workflow task started'],
  ['accept', 'session', 'Update task started → planTurn starts'],
  ['between', 'session', 'hops between the steps (Σ of 2)'],
  ['planTurn', 'LLM call', 'planTurn run (fake LLM at 0 ms)'],
  ['retrieveChunks', 'embed+search', 'retrieveChunks run (pin, embed, search, memories)'],
  ['writeAnswer', 'LLM call', 'writeAnswer run (chunk texts + fake LLM at 0 ms)'],
  ['finish', 'update', 'writeAnswer done → Update completed'],
  ['reply', 'update', 'Update completed → reply at the client'],
] as const;
type Line = (typeof LINES)[number][0] | 'total';

interface Options {
  corpus: TurnCorpus;
  /** The first N pages of the manual; absent: all of it. */
  docs?: number;
  turns: number;
  warmup: number;
  micro: number;
  turnsPerSession: number;
  timeoutMinutes: number;
  saveResults: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      corpus: { type: 'string' },
      docs: { type: 'string' },
      turns: { type: 'string' },
      warmup: { type: 'string' },
      micro: { type: 'string' },
      'turns-per-session': { type: 'string' },
      'timeout-minutes': { type: 'string' },
      'no-results': { type: 'boolean' },
    },
  });
  const corpus = corpusOptions(v.corpus, v.docs);
  return {
    ...corpus,
    turns: integer('turns', v.turns, 60, 1),
    warmup: integer('warmup', v.warmup, 5, 0),
    micro: integer('micro', v.micro, 200, 10),
    turnsPerSession: integer('turns-per-session', v['turns-per-session'], 40, 1),
    // The whole manual takes about ten minutes to ingest on two cores.
    timeoutMinutes: integer('timeout-minutes', v['timeout-minutes'], corpus.corpus === 'manual' ? 45 : 8, 1),
    saveResults: v['no-results'] !== true,
  };
}

interface SentTurn {
  requestId: string;
  sessionId: string;
  sentAt: number;
  receivedAt: number;
}

/** What the turns ask: new questions (`cold`) and warmed ones (`cached`), for the corpus. */
interface Questions {
  all: string[];
  /** The next new question (on the manual: the set in order, then again with a suffix). */
  nextNew: (mode: Mode, i: number) => string;
  cached: (i: number) => string;
}

function turnQuestions(corpus: TurnCorpus): Questions {
  const all = corpusQuestions(corpus);
  const cached = (i: number) => all[i % Math.min(all.length, CACHED_QUESTION_COUNT)]!;
  if (corpus === 'fixtures')
    return { all, nextNew: (mode, i) => `${all[i % all.length]!} (${mode.name} ${i})`, cached };
  // One cycle for both cold modes: cold/local goes on where cold stopped, so no text repeats.
  const next = questionCycle(all);
  return { all, nextNew: () => next(), cached };
}

/** Turns through `chat`, one at a time; a new session every S turns (no continue-as-new inside). */
async function runTurns(
  bench: ChatBench,
  mode: Mode,
  questions: Questions,
  options: Options,
  signal: AbortSignal,
): Promise<SentTurn[]> {
  const sent: SentTurn[] = [];
  const session = { llmSteps: mode.llmSteps };
  const ended: string[] = [];
  let sessionId = '';
  let sessions = 0;
  let sessionTurns = 0;
  for (let i = 0; i < options.warmup + options.turns; i++) {
    signal.throwIfAborted();
    if (sessionId === '' || sessionTurns >= options.turnsPerSession) {
      sessionId = `budget-${mode.name.replace('/', '-')}-${sessions++}`;
      await bench.client.chat(bench.tenant, sessionId, questions.cached(0), { session }); // starts the workflow, untimed
      sessionTurns = 0;
    }
    const text = mode.cached ? questions.cached(i) : questions.nextNew(mode, i);
    const sentAt = nowMs();
    const reply = await bench.client.chat(bench.tenant, sessionId, text, { session });
    const receivedAt = nowMs();
    sessionTurns++;
    if (!ended.includes(sessionId)) ended.push(sessionId);
    if (i >= options.warmup) sent.push({ requestId: reply.requestId, sessionId, sentAt, receivedAt });
  }
  for (const id of ended) await bench.client.endSession(bench.tenant, id);
  return sent;
}

/** One turn's budget lines in ms, or why it cannot be split. */
function split(turn: SentTurn, timeline: TurnTimeline | undefined, steps: StepSpan[]): Record<Line, number> | string {
  if (!timeline) return 'no Update in the history';
  const inTurn = steps.filter((s) => s.startedAt >= turn.sentAt && s.completedAt <= turn.receivedAt);
  const byType = new Map(inTurn.map((s) => [s.type, s]));
  if (inTurn.length !== STEPS.length || STEPS.some((t) => !byType.has(t)))
    return `steps ${inTurn.map((a) => a.type).join(',')}`;
  const [plan, retrieve, write] = STEPS.map((t) => byType.get(t)!) as [StepSpan, StepSpan, StepSpan];
  const run = (a: StepSpan) => a.completedAt - a.startedAt;
  return {
    routing: timeline.taskStartedAt - turn.sentAt,
    accept: plan.startedAt - timeline.taskStartedAt,
    between: retrieve.startedAt - plan.completedAt + (write.startedAt - retrieve.completedAt),
    planTurn: run(plan),
    retrieveChunks: run(retrieve),
    writeAnswer: run(write),
    finish: timeline.completedAt - write.completedAt,
    reply: turn.receivedAt - timeline.completedAt,
    total: turn.receivedAt - turn.sentAt,
  };
}

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn(i);
    ms.push(performance.now() - started);
  }
  return ms;
}

/**
 * The embed step cold and cached, Milvus search alone, pinIndex alone, and retrieveChunks alone
 * (cache miss and hit): in-process, worker idle.
 */
async function micro(bench: ChatBench, questions: string[], options: Options, runId: string) {
  const { deps, tenant } = bench;
  const index = await pinIndex(deps);
  const embedder = await deps.embedders.get(index.identity.model);
  await deps.queryCache.getOrEmbed(embedder, ['warm-up']);
  const question = (i: number) => questions[i % questions.length]!;
  const embedCold = await timeEach(options.micro, (i) =>
    deps.queryCache.getOrEmbed(embedder, [`${question(i)} (${runId} ${i})`]),
  );
  // Every question embedded once first, so that each lookup below is a hit (the manual's set is 116).
  const vectors = await deps.queryCache.getOrEmbed(embedder, questions);
  const cacheHit = await timeEach(options.micro * 10, (i) => deps.queryCache.getOrEmbed(embedder, [question(i)]));
  // The turn's search of one query (`searchLegs`: both legs SEARCH_DEPTH deep, fused), then each leg
  // alone: the dense leg in Milvus, the lexical leg where the worker's setting puts it.
  const ranked = (i: number): RankedSearch => ({
    collection: index.collection,
    identity: embedder.identity,
    tenant,
    queries: [question(i)],
    vectors: [vectors[i % vectors.length]!],
    filter: {},
    limit: SEARCH_DEPTH,
  });
  const search = await timeEach(options.micro, (i) =>
    searchLegs(deps, ranked(i), question(i), vectors[i % vectors.length]!, SEARCH_DEPTH),
  );
  const denseLeg = await timeEach(options.micro, (i) =>
    deps.vectors.search({
      collection: index.collection,
      tenant,
      vector: vectors[i % vectors.length]!,
      identity: embedder.identity,
      limit: SEARCH_DEPTH,
      filter: {},
    }),
  );
  const lexicalLeg =
    deps.lexicalLeg === 'postgres'
      ? await timeEach(options.micro, (i) =>
          searchChunkText(deps.db, { tenant, text: question(i), limit: SEARCH_DEPTH, filter: {} }),
        )
      : undefined;
  const pin = await timeEach(options.micro, () => pinIndex(deps));
  // As a turn runs it, with one query: a new text (embed misses) and a warmed one (cache hit).
  const retrieveCold = await timeEach(options.micro, (i) =>
    retrieveChunks(deps, { tenant, queries: [`${question(i)} (${runId} retrieve ${i})`] }),
  );
  const retrieveCached = await timeEach(options.micro, (i) => retrieveChunks(deps, { tenant, queries: [question(i)] }));
  return {
    model: index.identity.model,
    embedCold: percentiles(embedCold, 2),
    cacheHit: percentiles(cacheHit, 3),
    /** What `search` timed: the turn's search with this lexical leg (`searchLegs`), SEARCH_DEPTH deep. */
    searchKind: `searchLegs, ${deps.lexicalLeg} lexical leg, ${SEARCH_DEPTH} deep`,
    search: percentiles(search, 2),
    denseLeg: percentiles(denseLeg, 2),
    ...(lexicalLeg ? { lexicalLeg: percentiles(lexicalLeg, 2) } : {}),
    pinIndex: percentiles(pin, 2),
    retrieveCold: percentiles(retrieveCold, 2),
    retrieveCached: percentiles(retrieveCached, 2),
  };
}

async function runBench(stack: PrivateStack, options: Options, log: (line: string) => void, signal: AbortSignal) {
  const questions = turnQuestions(options.corpus);
  let ingested: IngestedCorpus | undefined;
  const bench = await startChatBench(stack, log, async (client, tenant) => {
    ingested = await ingestTurnCorpus(client, stack.base, tenant, options, log);
    return ingested.chunks;
  });
  try {
    const loadAverage1m = Math.round(os.loadavg()[0]! * 100) / 100;
    const pids = [
      process.pid,
      ...[TEMPORAL, MILVUS].flatMap((name) => runningRecord(stack.config.paths.run, name)?.pid ?? []),
    ];
    const modes = [];
    for (const mode of MODES) {
      log(`${mode.name}: ${options.warmup} warm-up + ${options.turns} measured turns`);
      const meter = startCpuMeter(pids);
      const sent = await runTurns(bench, mode, questions, options, signal);
      const cpu = meter.stop();
      const bySession = new Map<string, Map<string, TurnTimeline>>();
      for (const sessionId of new Set(sent.map((t) => t.sessionId))) {
        const timelines = await turnTimelines(bench.client.temporal, chatWorkflowId(bench.tenant, sessionId));
        // The client's update id is `<requestId>/<uuid>` (one per call: Temporal keeps a failed
        // update's outcome by its id), so a turn's Update is found by the requestId before the slash.
        bySession.set(sessionId, new Map(timelines.map((t) => [t.updateId.split('/')[0]!, t])));
      }
      const splits = sent.map((t) =>
        split(
          t,
          bySession.get(t.sessionId)?.get(t.requestId),
          bench.steps.filter((s) => s.workflowId === chatWorkflowId(bench.tenant, t.sessionId)),
        ),
      );
      const bad = splits.filter((s): s is string => typeof s === 'string');
      if (bad.length > 0) log(`${mode.name}: ${bad.length} turns not split, e.g. ${bad[0]}`);
      modes.push({
        mode: mode.name,
        splits: splits.filter((s): s is Record<Line, number> => typeof s !== 'string'),
        cpu,
      });
    }
    log(`micro-measurements: ${options.micro} iterations each (cache hits ×10)`);
    const meter = startCpuMeter(pids);
    const measured = await micro(bench, questions.all, options, stack.runId);
    return {
      chunks: bench.chunks,
      ingested: ingested!,
      questions: questions.all.length,
      loadAverage1m,
      modes,
      micro: measured,
      microCpu: meter.stop(),
    };
  } finally {
    await bench.close();
  }
}

async function main(): Promise<number> {
  const started = startBench(parseOptions, USAGE);
  if (!started) return 2;
  const { options, log, start } = started;
  const result = await withPrivateStack(
    { label: 'bench', log, timeoutMinutes: options.timeoutMinutes },
    (stack, signal) => runBench(stack, options, log, signal),
  );

  const fmt = (n: number, digits = 1) => (Number.isNaN(n) ? '-' : n.toFixed(digits));
  const keys: Line[] = [...LINES.map((l) => l[0]), 'total'];
  const stats = result.modes.map(({ mode, splits, cpu }) => ({
    mode,
    turns: splits.length,
    otherCpuShare: cpu?.otherShare,
    lines: Object.fromEntries(keys.map((k) => [k, percentiles(splits.map((s) => s[k]))])) as Record<Line, Percentiles>,
    /** The total without the two LLM activities' run time (what a slower real LLM would not change). */
    withoutLlmCalls: percentiles(splits.map((s) => s.total - s.planTurn - s.writeAnswer)),
  }));
  const corpusLabel =
    options.corpus === 'fixtures'
      ? `test/fixtures/corpus (the small-corpus floor), ${result.chunks} chunks`
      : `the PostgreSQL manual${options.docs === undefined ? '' : ` (first ${options.docs} pages only: not the goal's corpus)`}, ` +
        `${result.ingested.documents} pages, ${result.chunks} chunks, ${result.questions} questions`;
  console.log(
    `\nChat turn budget, ms (fake LLM at 0 ms, local embedder ${result.micro.model}, ${corpusLabel}, load ${result.loadAverage1m}); ` +
      `cold = new question each turn, cached = warmed questions; /local = session with llmSteps 'local':`,
  );
  const header = ['line', 'issue line', ...stats.flatMap((s) => [`${s.mode} p50`, `${s.mode} p95`])];
  const rows = LINES.map(([key, issueLine, meaning]) => [
    `${key}: ${meaning}`,
    issueLine,
    ...stats.flatMap((s) => [fmt(s.lines[key].p50), fmt(s.lines[key].p95)]),
  ]);
  rows.push([
    'total (per-turn client latency)',
    '',
    ...stats.flatMap((s) => [fmt(s.lines.total.p50), fmt(s.lines.total.p95)]),
  ]);
  rows.push([
    'total − planTurn − writeAnswer runs',
    '',
    ...stats.flatMap((s) => [fmt(s.withoutLlmCalls.p50), fmt(s.withoutLlmCalls.p95)]),
  ]);
  console.log(formatTable(header, rows));
  for (const s of stats) {
    console.log(
      `${s.mode}: other CPU ${s.otherCpuShare === undefined ? '-' : Math.round(s.otherCpuShare * 100)} %; total p95 ${fmt(s.lines.total.p95)} ms vs goal ≤ ${GOAL_TOTAL_P95_MS} ms: ${s.lines.total.p95 <= GOAL_TOTAL_P95_MS ? 'met' : 'not met'} (${s.turns} turns; ` +
        `the verdict counts the 0 ms fake LLM's two calls; without the LLM steps' runs p95 ${fmt(s.withoutLlmCalls.p95)} ms)`,
    );
  }
  const m = result.micro;
  console.log(`\nIn-process, worker idle (${options.micro} iterations; cache hits ${options.micro * 10}), ms:`);
  console.log(
    formatTable(
      ['step', 'p50', 'p95', 'p99', 'max'],
      [
        ['embed, cache miss (local embedder, thread)', m.embedCold],
        ['embed, query-embedding cache hit', m.cacheHit],
        [`the turn's search alone (${m.searchKind})`, m.search],
        ['  its dense leg alone (Milvus)', m.denseLeg],
        ...(m.lexicalLeg ? [['  its lexical leg alone (PostgreSQL full text)', m.lexicalLeg]] : []),
        ['pinIndex alone', m.pinIndex],
        ['retrieveChunks alone, cache miss', m.retrieveCold],
        ['retrieveChunks alone, cache hit', m.retrieveCached],
      ].map(([name, p]) => {
        const q = p as Percentiles;
        const digits = q === m.cacheHit ? 3 : 1;
        return [name as string, fmt(q.p50, digits), fmt(q.p95, digits), fmt(q.p99, digits), fmt(q.max, digits)];
      }),
    ),
  );
  const hitMet = m.cacheHit.p99 < GOAL_CACHE_HIT_MS;
  console.log(
    `cache-hit path p50 ${fmt(m.cacheHit.p50, 3)} / p99 ${fmt(m.cacheHit.p99, 3)} ms vs goal < ${GOAL_CACHE_HIT_MS} ms: ${hitMet ? 'met' : 'not met'}`,
  );

  // retrieveChunks in the turns, pooled over both session kinds; the search's share of its median.
  const inTurns = (cached: boolean) =>
    percentiles(
      result.modes
        .filter((r) => MODES.find((mode) => mode.name === r.mode)?.cached === cached)
        .flatMap((r) => r.splits.map((s) => s.retrieveChunks)),
    );
  const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null);
  const retrieve = {
    cold: inTurns(false),
    cached: inTurns(true),
    alone: { cold: m.retrieveCold, cached: m.retrieveCached },
    search: m.search,
    /** The turn's search alone p50 ÷ retrieveChunks p50: in the turns (new / warmed questions), alone. */
    searchShareP50: {
      cold: share(m.search.p50, inTurns(false).p50),
      cached: share(m.search.p50, inTurns(true).p50),
      aloneCold: share(m.search.p50, m.retrieveCold.p50),
      aloneCached: share(m.search.p50, m.retrieveCached.p50),
    },
  };
  const pct = (x: number | null) => (x === null ? '-' : `${Math.round(x * 100)} %`);
  console.log(
    `\nretrieveChunks on ${corpusLabel}, ms, and the search's share of its p50 (search alone p50 ÷ its p50):`,
  );
  console.log(
    formatTable(
      ['retrieveChunks', 'n', 'p50', 'p95', 'p99', 'max', 'search share'],
      (
        [
          ['in the turns, new questions (cold, cold/local)', retrieve.cold, retrieve.searchShareP50.cold],
          ['in the turns, warmed questions (cached, cached/local)', retrieve.cached, retrieve.searchShareP50.cached],
          ['alone, in-process, cache miss', retrieve.alone.cold, retrieve.searchShareP50.aloneCold],
          ['alone, in-process, cache hit', retrieve.alone.cached, retrieve.searchShareP50.aloneCached],
          ['(Milvus search alone)', retrieve.search, null],
        ] as const
      ).map(([name, p, sh]) => [name, String(p.n), fmt(p.p50), fmt(p.p95), fmt(p.p99), fmt(p.max), pct(sh)]),
    ),
  );
  const retrieveMet = retrieve.cold.p50 <= GOAL_RETRIEVE_P50_MS && retrieve.cold.p99 <= GOAL_RETRIEVE_P99_MS;
  const wholeManual = options.corpus === 'manual' && options.docs === undefined;
  console.log(
    `retrieveChunks for new questions p50 ${fmt(retrieve.cold.p50)} / p99 ${fmt(retrieve.cold.p99)} ms vs goal ` +
      `p50 ≤ ${GOAL_RETRIEVE_P50_MS} / p99 ≤ ${GOAL_RETRIEVE_P99_MS} ms on the full manual: ` +
      (wholeManual ? (retrieveMet ? 'met' : 'not met') : 'no verdict (the goal is for the whole manual)'),
  );

  if (!options.saveResults) {
    console.log('results not recorded (--no-results)');
    return 0;
  }
  const { saveResults: _saveResults, ...params } = options;
  const file = recordResult('latency-budget', {
    start,
    params: {
      ...params,
      documents: result.ingested.documents,
      chunks: result.chunks,
      questions: result.questions,
      llmLatencyMs: 0,
      embedder: m.model,
    },
    cpu: [...result.modes.map((mode) => mode.cpu), result.microCpu],
    results: {
      chunks: result.chunks,
      ingest: { seconds: result.ingested.seconds, failed: result.ingested.failed },
      goals: {
        totalP95Ms: GOAL_TOTAL_P95_MS,
        cacheHitMs: GOAL_CACHE_HIT_MS,
        retrieveP50Ms: GOAL_RETRIEVE_P50_MS,
        retrieveP99Ms: GOAL_RETRIEVE_P99_MS,
      },
      retrieveChunks: { ...retrieve, meetsGoal: wholeManual ? retrieveMet : null },
      modes: stats.map((s) => ({
        ...s,
        meetsGoal: s.lines.total.p95 <= GOAL_TOTAL_P95_MS,
      })),
      micro: { ...m, cacheHitMeetsGoal: hitMet },
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
