import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { MilvusVectorStore } from '../adapters/milvus/milvus-store';
import { liveIndex } from '../adapters/postgres/vector-indexes';
import type { ReindexControlRow } from '../adapters/postgres/reindex-control';
import { activeReindex, listReindexes, requestReindex, updateReindex } from '../adapters/postgres/reindex-control';
import type { MemflowConfig } from '../config/config';
import { MemflowError, errorMessage } from '../contracts/errors';
import { getEmbeddingModel, localModelProblems } from '../adapters/embed/embedding-models';
import { MemflowState, MemflowTargetVersion } from '../contracts/search-attributes';
import type { ReindexOptions, ReindexQuestionSet, ReindexStatusView } from '../contracts/reindex';
import {
  FINAL_REINDEX_STATUSES,
  reindexOptionsSchema,
  reindexQuestionSetSchema,
  targetVersionSchema,
} from '../contracts/reindex';
import type { z } from 'zod';
import { parseInput } from '../contracts/identifiers';
import {
  cancelSignal,
  pauseSignal,
  reindexWorkflowId,
  resumeSignal,
  rollbackSignal,
  statusQuery,
} from '../contracts/reindex';
import type { reindexSaga } from '../workflows/reindex/reindex-saga';

export interface StartReindexResult {
  row: ReindexControlRow;
  /** False when a saga for this target already existed: that run is returned instead. */
  created: boolean;
  workflowId: string;
}

/**
 * `memflow reindex start`: validates the model (configured, installed, dimension known), the
 * options and the question set before writing anything (`INVALID_INPUT`), inserts the
 * `reindex_control` row and starts its saga. Exactly one saga per target version: a second
 * request, concurrent or later, gets the existing run (and the question set it was started with).
 *
 * `questionSet`: retrieval questions (`contracts/retrieval-questions.ts`, `fact` and `topic` are
 * dropped) about one tenant's documents, passed to the saga as data; its validation gate refuses the
 * cutover when the new version's recall@5 on them is below the serving one's (minus `recallTolerance`).
 */
export async function startReindex(
  client: Client,
  config: MemflowConfig,
  db: Pool,
  request: {
    model: string;
    targetVersion?: string;
    options?: ReindexOptions;
    questionSet?: z.input<typeof reindexQuestionSetSchema>;
  },
): Promise<StartReindexResult> {
  const spec = getEmbeddingModel(request.model); // MODEL_UNKNOWN: not configured
  const problems =
    config.embedding.provider === 'local' ? localModelProblems(config.embedding.modelsDir, spec.model) : [];
  if (problems.length > 0) {
    throw new MemflowError(
      'MODEL_NOT_INSTALLED',
      `Model ${spec.model} is not installed (${problems.join('; ')}). Run \`memflow stack up\`.`,
    );
  }
  const targetVersion = parseInput(targetVersionSchema, request.targetVersion ?? spec.model, 'target version');
  const options = parseInput(reindexOptionsSchema, request.options ?? {}, 're-embed options');
  const questionSet: ReindexQuestionSet | undefined =
    request.questionSet === undefined
      ? undefined
      : parseInput(reindexQuestionSetSchema, request.questionSet, 'question set');
  const existing = await activeReindex(db, targetVersion);
  if (!existing) {
    const live = await liveIndex(db);
    if (!live) throw new MemflowError('INVALID_INPUT', 'Nothing to re-embed yet: ingest documents first.');
    // The same model again only moves a collection of the old schema to the tenant partition key,
    // and only where this Milvus can give the new one (README.md, Tenancy).
    if (live.identity.model === spec.model && (live.tenantPartitioned || !(await milvusPartitionsByTenant(config)))) {
      throw new MemflowError('INVALID_INPUT', `The live index already uses ${spec.model}; choose another model.`);
    }
  }
  const { row, created } = await requestReindex(db, {
    targetVersion,
    model: spec.model,
    options: { ...options },
  });
  const workflowId = reindexWorkflowId(targetVersion, row.id);
  if (!FINAL_REINDEX_STATUSES.includes(row.status)) {
    // Idempotent: a crash between the insert and this start is healed by the next request.
    await client.workflow.start<typeof reindexSaga>('reindexSaga', {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [
        {
          reindexId: row.id,
          targetVersion,
          model: spec.model,
          options: row.options as ReindexOptions,
          ...(questionSet ? { questionSet } : {}),
        },
      ],
      typedSearchAttributes: [
        { key: MemflowTargetVersion, value: targetVersion },
        { key: MemflowState, value: 'requested' },
      ],
      memo: { targetVersion, model: spec.model, reindexId: row.id },
    });
    if (row.workflowId !== workflowId) await updateReindex(db, row.id, { workflowId });
  }
  return { row, created, workflowId };
}

export interface ReindexStatusEntry {
  row: ReindexControlRow;
  live?: ReindexStatusView;
  /** Why the running saga's live view is missing (no worker answered its query, Temporal unreachable). */
  unavailable?: string;
}

/** A saga's query needs a worker; this long without an answer, the row alone is shown, and why. */
const STATUS_QUERY_MS = 5_000;

/** Recent re-embeds, with the live view of those whose saga still runs (never silently omitted). */
export async function reindexStatus(client: Client, db: Pool): Promise<ReindexStatusEntry[]> {
  const rows = await listReindexes(db);
  return Promise.all(
    rows.map(async (row): Promise<ReindexStatusEntry> => {
      if (!row.workflowId || FINAL_REINDEX_STATUSES.includes(row.status)) return { row };
      const handle = client.workflow.getHandle(row.workflowId);
      let timer: NodeJS.Timeout | undefined;
      try {
        const live = await Promise.race([
          handle.query(statusQuery),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no worker answered within ${STATUS_QUERY_MS / 1000} s: is one running?`)),
              STATUS_QUERY_MS,
            );
          }),
        ]);
        return { row, live };
      } catch (err) {
        return { row, unavailable: errorMessage(err) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

async function activeHandle(client: Client, db: Pool, targetVersion: string) {
  const row = await activeReindex(db, targetVersion);
  if (!row?.workflowId)
    throw new MemflowError('NOT_FOUND', `No active re-embed for ${targetVersion}. See \`memflow reindex status\`.`);
  return client.workflow.getHandle(row.workflowId);
}

export async function signalReindex(
  client: Client,
  db: Pool,
  targetVersion: string,
  action: 'pause' | 'resume' | 'cancel' | 'rollback',
  reason?: string,
): Promise<void> {
  const handle = await activeHandle(client, db, targetVersion);
  if ((await handle.describe()).status.name !== 'RUNNING') {
    throw new MemflowError(
      'INVALID_INPUT',
      `The re-embed saga for ${targetVersion} has ended${action === 'rollback' ? ' (its retention is over, so the previous version is gone)' : ''}.`,
    );
  }
  const { state } = await handle.query(statusQuery);
  // During retention the cutover is final: pausing means nothing, cancelling rolls back (contracts/reindex.ts).
  if (action === 'pause' && state === 'retaining') {
    throw new MemflowError(
      'INVALID_INPUT',
      `The re-embed for ${targetVersion} is past its cutover; nothing is left to pause. Use rollback to return to the previous version.`,
    );
  }
  if (action === 'rollback' && state !== 'retaining') {
    throw new MemflowError(
      'INVALID_INPUT',
      `Cannot roll back ${targetVersion} in state ${state}: only during retention, after the cutover. Use cancel before it.`,
    );
  }
  if (action === 'pause') await handle.signal(pauseSignal);
  else if (action === 'resume') await handle.signal(resumeSignal);
  else if (action === 'cancel') await handle.signal(cancelSignal, { reason });
  else await handle.signal(rollbackSignal);
}

/** Asks the configured Milvus whether new collections get `tenant` as their partition key. */
async function milvusPartitionsByTenant(config: MemflowConfig): Promise<boolean> {
  const store = new MilvusVectorStore({
    address: config.milvus.address,
    token: config.milvus.token,
    ssl: config.milvus.ssl,
    flavor: config.milvus.flavor,
  });
  try {
    return await store.partitionsByTenant();
  } finally {
    await store.close();
  }
}
