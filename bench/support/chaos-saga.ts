/**
 * The chaos benchmark's re-embed: one `reindexSaga` to the second local model, started part-way
 * through the soak with the product's `startReindex` and a short retention, so that it runs through
 * its cutover, retention and drop (or fails and compensates) while faults strike. Its outcome is
 * read from the workflow (with `waitForResult`, across Temporal restarts) and from its
 * `reindex_control` row.
 */
import type { Pool } from 'pg';
import type { MemflowClient } from '../../client/memflow-client';
import { startReindex } from '../../client/reindex';
import { waitForResult } from '../../client/wait-for-result';
import type { ReindexControlRow } from '../../adapters/postgres/reindex-control';
import { getReindex } from '../../adapters/postgres/reindex-control';
import { errorMessage, typedFailure } from '../../contracts/errors';
import type { ReindexStatusView } from '../../contracts/reindex';
import type { RetryStats } from './chaos-retry';
import { retryUntil } from './chaos-retry';

/** The model the saga re-embeds to (README.md, Re-embedding with another model). */
export const SAGA_MODEL = 'paraphrase-minilm-l3-v2';

export interface SagaLog extends RetryStats {
  workflowId?: string;
  reindexId?: number;
  /** The collection behind the live alias when the saga was started. */
  liveBefore?: string;
  startedAt?: number;
  endedAt?: number;
  /** `completed`, `failed` (and compensated) or `cancelled`, from the workflow; `not-started` or `unknown` otherwise. */
  outcome: 'completed' | 'failed' | 'cancelled' | 'rolled-back' | 'not-started' | 'unknown';
  /** The failure's code when it failed (`REINDEX_FAILED`), and its message. */
  failure?: string;
  /** The row once the saga has ended. */
  row?: ReindexControlRow;
  error?: string;
}

export interface SagaOptions {
  retentionMs: number;
  deadline: number;
  attemptMs: number;
  clock: () => number;
}

/** Starts the saga (retried through outages: `startReindex` is idempotent per target). */
export async function startSaga(
  client: MemflowClient,
  db: Pool,
  liveBefore: string | undefined,
  options: SagaOptions,
): Promise<SagaLog> {
  const log: SagaLog = { outcome: 'not-started', attempts: 0, retries: {}, startedAt: options.clock() };
  if (liveBefore) log.liveBefore = liveBefore;
  try {
    const started = await retryUntil(
      () =>
        startReindex(client.temporal, client.config, db, {
          model: SAGA_MODEL,
          options: { retentionMs: options.retentionMs },
        }),
      { deadline: options.deadline, attemptMs: options.attemptMs, stats: log },
    );
    log.workflowId = started.workflowId;
    log.reindexId = started.row.id;
    log.outcome = 'unknown';
  } catch (err) {
    log.error = `start: ${errorMessage(err)}`;
  }
  return log;
}

/** Waits for the saga to end and records its outcome and row. */
export async function finishSaga(client: MemflowClient, db: Pool, log: SagaLog, options: SagaOptions): Promise<void> {
  if (!log.workflowId || log.reindexId === undefined) return;
  const handle = client.temporal.workflow.getHandle(log.workflowId);
  const retry = { deadline: options.deadline, attemptMs: Math.max(1, options.deadline - Date.now()), stats: log };
  try {
    const view = await retryUntil(
      () => waitForResult<ReindexStatusView>(handle, { patienceMs: options.attemptMs }),
      retry,
    );
    log.outcome = view.state === 'completed' || view.state === 'rolled-back' ? view.state : 'unknown';
    if (view.state === 'cancelled') log.outcome = 'cancelled';
  } catch (err) {
    const typed = typedFailure(err);
    if (typed?.code === 'REINDEX_FAILED') {
      log.outcome = 'failed';
      log.failure = `${typed.code}: ${typed.message}`;
    } else {
      log.error = `wait: ${errorMessage(err)}`;
    }
  }
  log.endedAt = options.clock();
  log.row = await getReindex(db, log.reindexId);
}
