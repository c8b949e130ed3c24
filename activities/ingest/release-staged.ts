import type { Pool } from 'pg';
import { releaseStagedDocuments } from '../../adapters/postgres/staged-documents';

export interface ReleaseStagedInput {
  tenant: string;
  stagedIds: string[];
  /** The staging time the run's input carries: rows re-staged later by another run are kept. */
  stagedAt: string;
}

/**
 * Deletes a batch's staged documents once registering them is over (their content now lives in
 * the registry, or was refused). Scoped to the tenant; idempotent, so a retry deletes nothing more.
 */
export async function releaseStaged(deps: { db: Pool }, input: ReleaseStagedInput): Promise<{ released: number }> {
  return { released: await releaseStagedDocuments(deps.db, input.tenant, input.stagedIds, new Date(input.stagedAt)) };
}
