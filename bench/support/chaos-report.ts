/**
 * How the chaos benchmark reports a run: three tables on stdout (faults by kind, the load and how
 * it fared, the invariants) and the `results` of its JSON line.
 */
import type { ChatSessionLog } from './chaos-chat';
import type { FaultLog } from './chaos-faults';
import type { IngestRoundLog } from './chaos-ingest';
import type { Invariant } from './chaos-invariants';
import { addRetries, totalRetries } from './chaos-retry';
import type { SagaLog } from './chaos-saga';
import type { PlannedFault } from './chaos-schedule';
import { FAULT_KINDS } from './chaos-schedule';
import type { UnplannedExit } from './chaos-workers';
import type { CpuUse } from './cpu-meter';
import { formatTable } from './results';

export interface ChaosRun {
  schedule: PlannedFault[];
  faults: FaultLog[];
  sessions: ChatSessionLog[];
  rounds: IngestRoundLog[];
  saga: SagaLog | undefined;
  invariants: Invariant[];
  cpuUse: CpuUse | undefined;
  unplannedExits: UnplannedExit[];
}

/** Long text (a failure's message) cut for a table cell; the results line keeps it whole. */
const cell = (text: string, max = 100) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const mean = (values: number[]) =>
  values.length === 0 ? '-' : (values.reduce((sum, v) => sum + v, 0) / values.length).toFixed(1);

export function faultTable(run: ChaosRun): string {
  const rows = FAULT_KINDS.map((kind) => {
    const struck = run.faults.filter((f) => f.kind === kind);
    return [
      kind,
      String(run.schedule.filter((f) => f.kind === kind).length),
      String(struck.length),
      String(struck.filter((f) => f.restart !== undefined).length),
      mean(struck.flatMap((f) => (f.downFor === undefined ? [] : [f.downFor]))),
      mean(struck.flatMap((f) => (f.restart === undefined ? [] : [f.restart]))),
    ];
  });
  rows.push(['all', String(run.schedule.length), String(run.faults.length), '', '', '']);
  return formatTable(['fault', 'planned', 'struck', 'recovered', 'mean s away', 'mean s restart'], rows);
}

/** Counts of the load: turns, retries, ingests, the saga. */
export function loadCounts(run: ChaosRun) {
  const turns = run.sessions.flatMap((s) => s.turns);
  const turnRetries: Record<string, number> = {};
  for (const t of turns) addRetries(turnRetries, t.retries);
  const ingestRetries: Record<string, number> = {};
  for (const r of run.rounds) addRetries(ingestRetries, r.retries);
  const sum = (pick: (r: NonNullable<IngestRoundLog['result']>) => number) =>
    run.rounds.reduce((n, r) => n + (r.result ? pick(r.result) : 0), 0);
  return {
    turns: {
      sent: turns.length,
      answered: turns.filter((t) => t.reply).length,
      probes: turns.filter((t) => t.probeOf).length,
      retried: turns.filter((t) => totalRetries(t) > 0).length,
      retries: totalRetries({ retries: turnRetries }),
      retriesByReason: turnRetries,
      maxAttempts: Math.max(0, ...turns.map((t) => t.attempts)),
    },
    ingests: {
      rounds: run.rounds.length,
      completed: run.rounds.filter((r) => r.result).length,
      foundStarted: run.rounds.filter((r) => r.foundStarted).length,
      documentsChanged: sum((r) => r.changed),
      documentsSkipped: sum((r) => r.skipped),
      documentsFailed: sum((r) => r.failed),
      chunksWritten: sum((r) => r.chunksWritten),
      retries: totalRetries({ retries: ingestRetries }),
      retriesByReason: ingestRetries,
    },
    saga: run.saga
      ? {
          workflowId: run.saga.workflowId,
          outcome: run.saga.outcome,
          row: run.saga.row?.status,
          startedAt: run.saga.startedAt,
          endedAt: run.saga.endedAt,
          collection: run.saga.row?.collection,
          previousCollection: run.saga.row?.previousCollection,
          error: run.saga.row?.error ?? run.saga.error,
          compensations: run.saga.row?.compensations,
          retries: totalRetries(run.saga),
        }
      : undefined,
    unplannedWorkerExits: run.unplannedExits.length,
  };
}

export function loadTable(counts: ReturnType<typeof loadCounts>): string {
  const { turns, ingests, saga } = counts;
  const reasons = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || '-';
  return formatTable(
    ['load', 'count', 'detail'],
    [
      ['turns sent', String(turns.sent), `${turns.probes} ask for another tenant's code`],
      ['turns answered', String(turns.answered), ''],
      ['turns retried', String(turns.retried), `${turns.retries} retries (${reasons(turns.retriesByReason)})`],
      ['most attempts', String(turns.maxAttempts), 'for one requestId'],
      ['ingests', String(ingests.rounds), `${ingests.completed} completed, ${ingests.retries} retries`],
      [
        'documents',
        String(ingests.documentsChanged),
        `new or changed; ${ingests.documentsSkipped} unchanged, ${ingests.documentsFailed} failed`,
      ],
      ['chunks written', String(ingests.chunksWritten), ''],
      [
        're-embed saga',
        saga?.outcome ?? 'off',
        saga ? cell(`row ${saga.row ?? '-'}${saga.error ? `: ${saga.error}` : ''}`) : '',
      ],
      ['unplanned worker exits', String(counts.unplannedWorkerExits), 'restarted after 1 s'],
    ],
    ['left', 'right', 'left'],
  );
}

export function invariantTable(invariants: Invariant[]): string {
  const table = formatTable(
    ['invariant', 'result', 'counts'],
    invariants.map((i) => [
      i.name,
      i.pass ? 'pass' : 'FAIL',
      cell(
        Object.entries(i.counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
        120,
      ),
    ]),
    ['left', 'left', 'left'],
  );
  const broken = invariants.filter((i) => !i.pass).flatMap((i) => [`\n${i.name}:`, ...i.examples.map((e) => `  ${e}`)]);
  return [table, ...broken].join('\n');
}
