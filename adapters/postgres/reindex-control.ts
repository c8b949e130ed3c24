import type { Pool } from 'pg';
import { MemflowError } from '../../contracts/errors';
import type { CompensationOutcome, ReindexStatus } from '../../contracts/reindex';

export interface ReindexControlRow {
  id: number;
  targetVersion: string;
  requestedAt: Date;
  completedAt: Date | null;
  model: string | null;
  status: ReindexStatus;
  error: string | null;
  workflowId: string | null;
  collection: string | null;
  previousCollection: string | null;
  options: Record<string, unknown>;
  validation: Record<string, unknown> | null;
  /** What the run still has to do after its cutover, and why it has not happened yet. */
  pending: string | null;
  compensations: CompensationOutcome[] | null;
}

const COLUMNS = `id, target_version, requested_at, completed_at, model, status, error, workflow_id, collection,
  previous_collection, options, validation, pending, compensations`;

function toRow(r: Record<string, unknown>): ReindexControlRow {
  return {
    id: r.id as number,
    targetVersion: r.target_version as string,
    requestedAt: r.requested_at as Date,
    completedAt: (r.completed_at as Date | null) ?? null,
    model: (r.model as string | null) ?? null,
    status: r.status as ReindexStatus,
    error: (r.error as string | null) ?? null,
    workflowId: (r.workflow_id as string | null) ?? null,
    collection: (r.collection as string | null) ?? null,
    previousCollection: (r.previous_collection as string | null) ?? null,
    options: (r.options as Record<string, unknown>) ?? {},
    validation: (r.validation as Record<string, unknown> | null) ?? null,
    pending: (r.pending as string | null) ?? null,
    compensations: (r.compensations as CompensationOutcome[] | null) ?? null,
  };
}

/**
 * Inserts a request unless one is already active for the target; either way returns the row that
 * holds the slot and whether it is new. The partial unique index makes this safe under races.
 */
export async function requestReindex(
  db: Pool,
  request: { targetVersion: string; model: string; options: Record<string, unknown> },
): Promise<{ row: ReindexControlRow; created: boolean }> {
  const inserted = await db.query(
    `INSERT INTO reindex_control (target_version, model, options) VALUES ($1, $2, $3)
     ON CONFLICT (target_version) WHERE reindex_holds_target(status)
     DO NOTHING RETURNING ${COLUMNS}`,
    [request.targetVersion, request.model, JSON.stringify(request.options)],
  );
  if (inserted.rows[0]) return { row: toRow(inserted.rows[0]), created: true };
  const existing = await activeReindex(db, request.targetVersion);
  if (!existing) {
    throw new MemflowError(
      'CONFLICT',
      `The re-embed for ${request.targetVersion} ended while this request was made; try again.`,
    );
  }
  return { row: existing, created: false };
}

export async function activeReindex(db: Pool, targetVersion: string): Promise<ReindexControlRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM reindex_control WHERE target_version = $1 AND reindex_holds_target(status)
     ORDER BY id DESC LIMIT 1`,
    [targetVersion],
  );
  return rows[0] ? toRow(rows[0]) : undefined;
}

export async function getReindex(db: Pool, id: number): Promise<ReindexControlRow | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM reindex_control WHERE id = $1`, [id]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

export async function listReindexes(db: Pool, limit = 20): Promise<ReindexControlRow[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM reindex_control ORDER BY id DESC LIMIT $1`, [limit]);
  return rows.map(toRow);
}

export async function updateReindex(
  db: Pool,
  id: number,
  fields: Partial<{
    status: ReindexStatus;
    error: string | null;
    workflowId: string;
    collection: string;
    previousCollection: string;
    goldenQueries: unknown;
    validation: unknown;
    pending: string | null;
    compensations: CompensationOutcome[];
    completed: boolean;
  }>,
): Promise<void> {
  const sets: string[] = ['updated_at = now()'];
  const values: unknown[] = [id];
  const add = (column: string, value: unknown) => {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  };
  if (fields.status !== undefined) add('status', fields.status);
  if (fields.error !== undefined) add('error', fields.error);
  if (fields.workflowId !== undefined) add('workflow_id', fields.workflowId);
  if (fields.collection !== undefined) add('collection', fields.collection);
  if (fields.previousCollection !== undefined) add('previous_collection', fields.previousCollection);
  if (fields.goldenQueries !== undefined) add('golden_queries', JSON.stringify(fields.goldenQueries));
  if (fields.validation !== undefined) add('validation', JSON.stringify(fields.validation));
  if (fields.pending !== undefined) add('pending', fields.pending);
  if (fields.compensations !== undefined) add('compensations', JSON.stringify(fields.compensations));
  if (fields.completed) sets.push('completed_at = COALESCE(completed_at, now())');
  await db.query(`UPDATE reindex_control SET ${sets.join(', ')} WHERE id = $1`, values);
}
