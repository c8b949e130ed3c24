/**
 * The chaos benchmark's ingestion load: round after round, one tenant (in turn) gets new notes and
 * one revised note, and its whole folder is ingested again through the product's client
 * (`MemflowClient.ingest`: staged, then an `ingestDocuments` workflow): new documents, a changed one
 * (a new version whose old chunks must go) and unchanged ones (skipped). One round at a time; each
 * waits for its workflow with `waitForResult`, which rides out a Temporal restart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { MemflowClient } from '../../client/memflow-client';
import { waitForResult } from '../../client/wait-for-result';
import type { IngestProgress } from '../../contracts/ingest';
import { errorMessage } from '../../contracts/errors';
import type { TenantNotes } from './chaos-documents';
import { addNote, reviseNote } from './chaos-documents';
import type { RetryStats } from './chaos-retry';
import { retryUntil } from './chaos-retry';
import { seededRandom } from './synthetic-vectors';

export interface IngestRoundLog extends RetryStats {
  round: number;
  tenant: string;
  workflowId: string;
  /** Seconds since the start of the soak (negative: before it, the tenants' first notes). */
  startedAt: number;
  endedAt?: number;
  added: number;
  revised?: string;
  /** A start that failed on the wire was found started when sent again: its run is the one awaited. */
  foundStarted?: boolean;
  result?: Pick<IngestProgress, 'documentsTotal' | 'changed' | 'skipped' | 'failed' | 'chunksWritten' | 'failures'>;
  error?: string;
}

export interface IngestRoundOptions {
  runId: string;
  /** Epoch ms after which the round is given up. */
  deadline: number;
  attemptMs: number;
  clock: () => number;
  log: (line: string) => void;
}

/** Writes `added` new notes (and revises one when `revise`), then ingests the tenant's folder. */
export async function ingestRound(
  client: MemflowClient,
  notes: TenantNotes,
  round: number,
  change: { added: number; revise: boolean; random: () => number },
  options: IngestRoundOptions,
): Promise<IngestRoundLog> {
  const revised = change.revise ? reviseNote(notes, change.random) : undefined;
  for (let i = 0; i < change.added; i++) addNote(notes, change.random);
  const workflowId = `ingest/${notes.tenant}/chaos-${options.runId}-${round}`;
  const log: IngestRoundLog = {
    round,
    tenant: notes.tenant,
    workflowId,
    startedAt: options.clock(),
    added: change.added,
    ...(revised ? { revised } : {}),
    attempts: 0,
    retries: {},
  };
  const retry = { deadline: options.deadline, attemptMs: options.attemptMs, stats: log };
  try {
    const handle = await retryUntil(async (): Promise<WorkflowHandle> => {
      try {
        return (await client.ingest({ tenant: notes.tenant, paths: [notes.dir], baseDir: notes.dir, workflowId }))
          .handle;
      } catch (err) {
        // An earlier attempt started it, and only its answer was lost.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        log.foundStarted = true;
        return client.temporal.workflow.getHandle(workflowId);
      }
    }, retry);
    const result = await retryUntil(
      () => waitForResult<IngestProgress>(handle, { patienceMs: options.attemptMs }),
      // The run's own length is not an attempt's: only the deadline bounds it.
      { ...retry, attemptMs: Math.max(1, options.deadline - Date.now()) },
    );
    const { documentsTotal, changed, skipped, failed, chunksWritten, failures } = result;
    log.result = { documentsTotal, changed, skipped, failed, chunksWritten, failures };
    if (failed > 0) options.log(`ingest ${workflowId}: ${failed} documents failed, e.g. ${failures[0]?.message}`);
  } catch (err) {
    log.error = errorMessage(err);
    options.log(`ingest ${workflowId} failed: ${log.error}`);
  }
  log.endedAt = options.clock();
  return log;
}

export interface IngestLoad {
  rounds: IngestRoundLog[];
  /** No new rounds; the one in flight goes on until it ends or the deadline. */
  stop(): Promise<void>;
}

/** One round every `everyMs` (or right after the previous one, when it took longer). */
export function startIngestLoad(
  client: MemflowClient,
  tenants: TenantNotes[],
  load: { everyMs: number; addedPerRound: number; seed: number; firstRound: number },
  options: IngestRoundOptions,
): IngestLoad {
  const rounds: IngestRoundLog[] = [];
  const waiting = new AbortController();
  let stopping = false;
  const random = seededRandom(load.seed ^ 0x1234567);
  const loop = (async () => {
    for (let round = load.firstRound; !stopping; round++) {
      const started = Date.now();
      const notes = tenants[round % tenants.length]!;
      rounds.push(
        await ingestRound(client, notes, round, { added: load.addedPerRound, revise: true, random }, options),
      );
      const rest = load.everyMs - (Date.now() - started);
      if (rest > 0 && !stopping) await sleep(rest, undefined, { signal: waiting.signal }).catch(() => undefined);
    }
  })();
  return {
    rounds,
    async stop() {
      stopping = true;
      waiting.abort();
      await loop;
    },
  };
}
