/**
 * A bounded chaos soak on a private stack: mixed chat turns, repeated ingests and one re-embed
 * saga, while a seeded fault injector kills and restarts the worker (SIGKILL of a real `memflow
 * worker` process), the Temporal dev server (SIGKILL or SIGINT) and milvus-lite (SIGKILL or SIGINT)
 * at planned moments. Then it stops injecting, lets everything settle, checks the invariants and
 * prints them: every requestId answered once, every session's history consistent, PostgreSQL live
 * chunks = Milvus rows per tenant and collection, no duplicate chunk ids, the live alias on the
 * collection the saga's row says, no cross-tenant hit. A broken invariant exits 1.
 *
 * Usage: node --import tsx bench/chaos.ts (or memflow bench chaos) [--seed N (random)] [--minutes M (10)]
 *        [--min-faults F (20)] [--max-downtime-seconds D (30)] [--recovery-seconds R (10)] [--workers W (1)]
 *        [--tenants T (3)] [--sessions S (2 per tenant)] [--think-ms T (2000)] [--ingest-every-seconds I (20)]
 *        [--saga on|off] [--saga-at-seconds A (a quarter of the run)] [--retention-seconds R (60)]
 *        [--settle-minutes S (5)] [--timeout-minutes M (minutes + settle + 15)] [--keep-home]
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { liveAlias } from '../adapters/milvus/collection-names';
import { MilvusVectorStore } from '../adapters/milvus/milvus-store';
import { createPool } from '../adapters/postgres/pool';
import { MemflowClient } from '../client/memflow-client';
import { errorMessage } from '../contracts/errors';
import { ensureStackInstalled } from '../devstack/install';
import { MILVUS } from '../devstack/milvus-server';
import { runningRecord } from '../devstack/processes';
import { TEMPORAL } from '../devstack/temporal-server';
import { workerProcessEnv } from '../devstack/worker-process';
import { runProbeSessions, startChatLoad } from './support/chaos-chat';
import { accessCode, createTenantNotes } from './support/chaos-documents';
import type { FaultLog } from './support/chaos-faults';
import { runFaults } from './support/chaos-faults';
import {
  aliasWhereRowSays,
  chunksMatchRegistry,
  expectedCollections,
  ingestsComplete,
  liveChunksByTenant,
  sagaEnded,
} from './support/chaos-index-invariants';
import { ingestRound, startIngestLoad } from './support/chaos-ingest';
import type { Invariant } from './support/chaos-invariants';
import {
  answeredOnce,
  everyRequestAnswered,
  historiesConsistent,
  invariant,
  noCrossTenantHit,
  readHistories,
} from './support/chaos-invariants';
import type { ChaosRun } from './support/chaos-report';
import { faultTable, invariantTable, loadCounts, loadTable } from './support/chaos-report';
import { totalRetries } from './support/chaos-retry';
import type { SagaLog } from './support/chaos-saga';
import { SAGA_MODEL, finishSaga, startSaga } from './support/chaos-saga';
import type { PlannedFault } from './support/chaos-schedule';
import { ScheduleError, planFaults } from './support/chaos-schedule';
import { startWorkerPool } from './support/chaos-workers';
import { startInstantModel, withFakeLlm } from './support/chat-load';
import { UsageError, integer, startBench } from './support/cli-options';
import { startRollingCpuMeter } from './support/cpu-meter';
import type { PrivateStack } from './support/private-stack';
import { withPrivateStack } from './support/private-stack';
import { recordResult } from './support/results';
import { stackEnv } from './support/stack-env';
import { seededRandom } from './support/synthetic-vectors';

const USAGE =
  'Usage: memflow bench chaos [--seed N (random)] [--minutes M (10)] [--min-faults F (20)] ' +
  '[--max-downtime-seconds D (30)] [--recovery-seconds R (10)] [--workers W (1)] [--tenants T (3)] ' +
  '[--sessions S (2 per tenant)] [--think-ms T (2000)] [--ingest-every-seconds I (20)] [--saga on|off] ' +
  '[--saga-at-seconds A (a quarter of the run)] [--retention-seconds R (60)] [--settle-minutes S (5)] ' +
  '[--timeout-minutes M (minutes + settle + 15)] [--keep-home]';
/** Notes each tenant starts with, before the soak; each ingest round adds this many more. */
const FIRST_NOTES = 4;
const NOTES_PER_ROUND = 2;
/** How long one chat or start attempt may take before it is sent again. */
const ATTEMPT_MS = 90_000;
/** Share of the soak's turns that ask for another tenant's access code. */
const PROBE_SHARE = 0.2;

interface Options {
  seed: number;
  minutes: number;
  minFaults: number;
  maxDowntimeSeconds: number;
  recoverySeconds: number;
  workers: number;
  tenants: number;
  sessions: number;
  thinkMs: number;
  ingestEverySeconds: number;
  saga: boolean;
  sagaAtSeconds: number;
  retentionSeconds: number;
  settleMinutes: number;
  timeoutMinutes: number;
  keepHome: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      minutes: { type: 'string' },
      'min-faults': { type: 'string' },
      'max-downtime-seconds': { type: 'string' },
      'recovery-seconds': { type: 'string' },
      workers: { type: 'string' },
      tenants: { type: 'string' },
      sessions: { type: 'string' },
      'think-ms': { type: 'string' },
      'ingest-every-seconds': { type: 'string' },
      saga: { type: 'string' },
      'saga-at-seconds': { type: 'string' },
      'retention-seconds': { type: 'string' },
      'settle-minutes': { type: 'string' },
      'timeout-minutes': { type: 'string' },
      'keep-home': { type: 'boolean' },
    },
  });
  if (v.saga !== undefined && v.saga !== 'on' && v.saga !== 'off')
    throw new UsageError(`--saga takes on or off, got ${JSON.stringify(v.saga)}.`);
  const minutes = integer('minutes', v.minutes, 10, 1);
  const settleMinutes = integer('settle-minutes', v['settle-minutes'], 5, 1);
  const options: Options = {
    seed: integer('seed', v.seed, crypto.randomInt(1, 2 ** 31), 0),
    minutes,
    minFaults: integer('min-faults', v['min-faults'], 20, 1),
    maxDowntimeSeconds: integer('max-downtime-seconds', v['max-downtime-seconds'], 30, 1),
    recoverySeconds: integer('recovery-seconds', v['recovery-seconds'], 10, 0),
    workers: integer('workers', v.workers, 1, 1),
    tenants: integer('tenants', v.tenants, 3, 2),
    sessions: integer('sessions', v.sessions, 2, 1),
    thinkMs: integer('think-ms', v['think-ms'], 2000, 0),
    ingestEverySeconds: integer('ingest-every-seconds', v['ingest-every-seconds'], 20, 1),
    saga: v.saga !== 'off',
    sagaAtSeconds: integer('saga-at-seconds', v['saga-at-seconds'], Math.round((minutes * 60) / 4), 0),
    retentionSeconds: integer('retention-seconds', v['retention-seconds'], 60, 0),
    settleMinutes,
    timeoutMinutes: integer('timeout-minutes', v['timeout-minutes'], minutes + settleMinutes + 15, 1),
    keepHome: v['keep-home'] ?? false,
  };
  if (options.sagaAtSeconds >= minutes * 60)
    throw new UsageError(`--saga-at-seconds must fall inside the run (< ${minutes * 60}).`);
  try {
    faultSchedule(options);
  } catch (err) {
    if (err instanceof ScheduleError) throw new UsageError(err.message);
    throw err;
  }
  return options;
}

/** The soak's fault schedule: the first fault after 10 % of the run (at most a minute). */
function faultSchedule(options: Options): PlannedFault[] {
  const durationMs = options.minutes * 60_000;
  return planFaults({
    seed: options.seed,
    durationMs,
    faults: options.minFaults,
    warmupMs: Math.min(60_000, durationMs / 10),
    recoveryMs: options.recoverySeconds * 1000,
    maxDowntimeMs: options.maxDowntimeSeconds * 1000,
    workers: options.workers,
  });
}

type Log = (line: string) => void;

async function runBench(stack: PrivateStack, options: Options, log: Log, signal: AbortSignal): Promise<ChaosRun> {
  const model = await startInstantModel(stack);
  const config = withFakeLlm(stack.config, model);
  const prefix = config.milvus.collectionPrefix;
  const bins = ensureStackInstalled(config, log);
  let soakStart = performance.now();
  const clock = () => (performance.now() - soakStart) / 1000;
  const env = workerProcessEnv(stackEnv(config), config.worker.heapMiB);
  const workers = await startWorkerPool(options.workers, env, { logDir: path.join(stack.home, 'logs'), clock, log });
  stack.onTeardown(() => workers.stopAll());
  const client = await MemflowClient.connect(config);
  const db = createPool(config.postgres.url, 4);
  const vectors = new MilvusVectorStore({ address: config.milvus.address, flavor: config.milvus.flavor });
  stack.onTeardown(() => Promise.allSettled([client.close(), db.end(), vectors.close()]));
  log(`${options.workers} worker(s) up: pids ${workers.pids().join(', ')} (logs in ${path.join(stack.home, 'logs')})`);

  const tenants = Array.from({ length: options.tenants }, (_, i) =>
    createTenantNotes(path.join(stack.home, 'notes'), `t${i}-${stack.runId}`, accessCode(options.seed, i)),
  );
  const first = { runId: stack.runId, deadline: Date.now() + 10 * 60_000, attemptMs: ATTEMPT_MS, clock, log };
  const random = seededRandom(options.seed);
  // One tenant at a time: the first ingest creates the live collection.
  for (const [i, notes] of tenants.entries()) {
    const round = await ingestRound(client, notes, i, { added: FIRST_NOTES, revise: false, random }, first);
    if (!round.result || round.result.failed > 0)
      throw new Error(`The first ingest of ${notes.tenant} failed: ${round.error}`);
  }
  const liveBefore = await vectors.resolveAlias(liveAlias(prefix));
  if (!liveBefore) throw new Error('No live collection after the first ingests.');
  log(
    `${tenants.length} tenants with ${FIRST_NOTES} notes each in ${liveBefore}; access codes ${tenants.map((t) => t.code).join(', ')}`,
  );

  const schedule = faultSchedule(options);
  const soakMs = options.minutes * 60_000;
  log(`seed ${options.seed}: ${schedule.length} faults over ${options.minutes} min:`);
  for (const f of schedule)
    log(`  ${f.index}. +${(f.atMs / 1000).toFixed(1)}s ${f.kind}, down ${(f.downtimeMs / 1000).toFixed(1)} s`);
  const ownPids = () => [
    process.pid,
    ...[TEMPORAL, MILVUS].flatMap((name) => runningRecord(config.paths.run, name)?.pid ?? []),
    ...workers.pids(),
  ];
  const cpu = startRollingCpuMeter(ownPids);
  soakStart = performance.now();
  const soakEnd = Date.now() + soakMs;
  const deadline = soakEnd + options.settleMinutes * 60_000;
  const loadOptions = { runId: stack.runId, deadline, attemptMs: ATTEMPT_MS, clock, log };
  const chat = startChatLoad(client, {
    ...loadOptions,
    tenants,
    sessionsPerTenant: options.sessions,
    thinkMs: options.thinkMs,
    probeShare: PROBE_SHARE,
    seed: options.seed,
  });
  const ingest = startIngestLoad(
    client,
    tenants,
    {
      everyMs: options.ingestEverySeconds * 1000,
      addedPerRound: NOTES_PER_ROUND,
      seed: options.seed,
      firstRound: tenants.length,
    },
    loadOptions,
  );
  const sagaOptions = { retentionMs: options.retentionSeconds * 1000, deadline, attemptMs: ATTEMPT_MS, clock };
  const sagaStarted: Promise<SagaLog | undefined> = options.saga
    ? sleep(options.sagaAtSeconds * 1000, undefined, { signal }).then(async () => {
        const saga = await startSaga(client, db, liveBefore, sagaOptions);
        log(`+${clock().toFixed(1)}s re-embed saga to ${SAGA_MODEL}: ${saga.workflowId ?? saga.error}`);
        return saga;
      })
    : Promise.resolve(undefined);
  const progress = setInterval(() => {
    const turns = chat.sessions.flatMap((s) => s.turns);
    const waiting = turns.filter((t) => !t.reply && !t.error);
    const reasons = new Set(waiting.flatMap((t) => Object.keys(t.retries)));
    log(
      `+${clock().toFixed(0)}s: ${turns.filter((t) => t.reply).length}/${turns.length} turns answered, ` +
        `${turns.reduce((n, t) => n + totalRetries(t), 0)} retries; ${waiting.length} waiting` +
        `${reasons.size > 0 ? ` (retried for ${[...reasons].join(', ')})` : ''}; ${ingest.rounds.length} ingests`,
    );
  }, 60_000);
  try {
    const faultRun = await runFaults(
      schedule,
      { config, bins, workers, clock, log, onProcessChange: () => cpu.cut() },
      soakStart,
      signal,
    );
    const rest = soakEnd - Date.now();
    if (rest > 0 && !faultRun.stoppedBy) await sleep(rest, undefined, { signal });
    log(`+${clock().toFixed(1)}s soak over: no new turns or ingests; waiting for those in flight and the saga`);
    const [saga] = await Promise.all([sagaStarted, chat.stop(), ingest.stop()]);
    if (saga) await finishSaga(client, db, saga, sagaOptions);
    const probes = await runProbeSessions(client, {
      tenants,
      runId: stack.runId,
      deadline,
      attemptMs: ATTEMPT_MS,
      clock,
    });
    const cpuUse = cpu.stop();
    log(`+${clock().toFixed(1)}s settled; checking the invariants`);
    const sessions = [...chat.sessions, ...probes];
    const histories = await readHistories(client, sessions, Date.now() + 5 * 60_000);
    const live = await liveChunksByTenant(db);
    const expected = expectedCollections(saga, liveBefore);
    const stores = await chunksMatchRegistry(vectors, expected.all, live.chunks);
    const invariants: Invariant[] = [
      faultsRecovered(faultRun.faults, faultRun.stoppedBy, options.minFaults),
      everyRequestAnswered(sessions),
      answeredOnce(sessions, histories),
      historiesConsistent(sessions, histories),
      noCrossTenantHit(sessions, live.docTenants),
      ingestsComplete(ingest.rounds),
      sagaEnded(saga),
      await aliasWhereRowSays(db, vectors, prefix, expected),
      stores.counts,
      stores.duplicates,
    ];
    return {
      schedule,
      faults: faultRun.faults,
      sessions,
      rounds: ingest.rounds,
      saga,
      invariants,
      cpuUse,
      unplannedExits: [...workers.unplannedExits],
    };
  } finally {
    clearInterval(progress);
  }
}

/** Every planned fault struck and its service came back. */
function faultsRecovered(faults: FaultLog[], stoppedBy: string | undefined, minFaults: number): Invariant {
  const problems = faults.filter((f) => f.error).map((f) => `fault ${f.index} ${f.kind}: ${f.error}`);
  if (stoppedBy) problems.push(`the schedule stopped: ${stoppedBy}`);
  if (faults.length < minFaults) problems.push(`${faults.length} faults struck, fewer than ${minFaults}`);
  return invariant(
    'every fault recovered',
    { faults: faults.length, recovered: faults.filter((f) => f.restart !== undefined).length },
    problems,
  );
}

async function main(): Promise<number> {
  const started = startBench(parseOptions, USAGE);
  if (!started) return 2;
  const { options, log, start } = started;
  log(`seed ${options.seed} (replay this run's faults with --seed ${options.seed})`);
  const run = await withPrivateStack(
    { label: 'chaos', log, timeoutMinutes: options.timeoutMinutes, keepHome: options.keepHome },
    (stack, signal) => runBench(stack, options, log, signal),
  );
  const counts = loadCounts(run);
  const failed = run.invariants.filter((i) => !i.pass);
  console.log(
    `\nChaos soak: ${options.minutes} min, seed ${options.seed}, ${run.faults.length} faults, ` +
      `${options.tenants} tenants × ${options.sessions} sessions, ${options.workers} worker(s); ` +
      `other processes used ${run.cpuUse ? `${Math.round(run.cpuUse.otherShare * 100)} %` : 'an unknown share'} of the CPU.\n`,
  );
  console.log(faultTable(run));
  console.log(`\n${loadTable(counts)}`);
  console.log(`\n${invariantTable(run.invariants)}`);
  console.log(`\n${failed.length === 0 ? 'All invariants hold.' : `${failed.length} invariant(s) broken.`}`);
  const file = recordResult('chaos', {
    start,
    cpu: run.cpuUse,
    params: {
      ...options,
      firstNotes: FIRST_NOTES,
      notesPerRound: NOTES_PER_ROUND,
      probeShare: PROBE_SHARE,
      attemptSeconds: ATTEMPT_MS / 1000,
      sagaModel: SAGA_MODEL,
      llm: 'instant fake (test/support)',
    },
    results: {
      pass: failed.length === 0,
      invariants: Object.fromEntries(
        run.invariants.map((i) => [i.name, { pass: i.pass, ...i.counts, ...(i.pass ? {} : { examples: i.examples }) }]),
      ),
      faultCount: run.faults.length,
      ...counts,
      faults: run.faults,
      unplannedWorkerExits: run.unplannedExits,
    },
  });
  console.log(`results appended to ${file}`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[bench] failed: ${errorMessage(err)}`);
    process.exit(1);
  },
);
