import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { MemflowSession, MemflowTenant } from '../../contracts/search-attributes';

/**
 * Sets `MemflowTenant` and `MemflowSession` unless the starter already did (memflow's client does;
 * another SDK or the `temporal` CLI may not), so every session is findable by tenant.
 */
export function markSession(tenant: string, sessionId: string): void {
  const attributes = workflowInfo().typedSearchAttributes;
  if (attributes.get(MemflowTenant) === tenant && attributes.get(MemflowSession) === sessionId) return;
  upsertSearchAttributes([
    { key: MemflowTenant, value: tenant },
    { key: MemflowSession, value: sessionId },
  ]);
}
