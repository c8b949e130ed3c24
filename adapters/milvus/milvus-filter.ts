import { MemflowError } from '../../contracts/errors';
import { TENANT_PATTERN } from '../../contracts/tenant';
import type { ChunkFilter } from './vector-store';

/** Tenants are identifiers, never free text: validated before they reach any expression. */
export function assertTenant(tenant: string): void {
  if (!TENANT_PATTERN.test(tenant)) {
    throw new MemflowError(
      'INVALID_INPUT',
      `Invalid tenant ${JSON.stringify(tenant)}: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
    );
  }
}

/** A Milvus string literal: double-quoted with backslash escapes. */
export function literal(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function list(values: string[]): string {
  return `[${values.map(literal).join(', ')}]`;
}

/**
 * Builds a boolean expression from typed filters. The tenant clause is always first and always
 * present when `tenant` is given; callers cannot pass raw expressions.
 */
export function buildFilter(tenant: string | undefined, filter: ChunkFilter = {}): string {
  const clauses: string[] = [];
  if (tenant !== undefined) {
    assertTenant(tenant);
    clauses.push(`tenant == ${literal(tenant)}`);
  }
  if (filter.docIds) {
    if (filter.docIds.length === 0) return 'id == ""'; // empty set matches nothing
    clauses.push(`doc_id in ${list(filter.docIds)}`);
  }
  if (filter.sources) {
    if (filter.sources.length === 0) return 'id == ""';
    clauses.push(`source in ${list(filter.sources)}`);
  }
  if (filter.docVersions) {
    if (filter.docVersions.length === 0 || !filter.docVersions.every(Number.isSafeInteger)) {
      throw new MemflowError('INVALID_INPUT', 'docVersions must be a non-empty list of integers.');
    }
    clauses.push(`doc_version in [${filter.docVersions.join(', ')}]`);
  }
  return clauses.join(' and ');
}
