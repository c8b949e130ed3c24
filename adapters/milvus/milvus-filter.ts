import { MemflowError } from '../../contracts/errors';
import { assertTenant } from '../../contracts/identifiers';
import type { ChunkFilter } from './vector-store';

/** A Milvus string literal: double-quoted with backslash escapes. */
export function literal(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function list(values: string[]): string {
  return `[${values.map(literal).join(', ')}]`;
}

/**
 * Builds a boolean expression from typed filters. The tenant clause is always first and always
 * present: a missing or invalid tenant is `INVALID_INPUT`, never a dropped clause. Callers cannot
 * pass raw expressions.
 */
export function buildFilter(tenant: string, filter: ChunkFilter = {}): string {
  assertTenant(tenant);
  const clauses = [`tenant == ${literal(tenant)}`];
  for (const [field, values] of [
    ['id', filter.ids],
    ['doc_id', filter.docIds],
    ['source', filter.sources],
  ] as const) {
    if (!values) continue;
    if (values.length === 0) return 'id == ""'; // an empty set matches nothing
    clauses.push(`${field} in ${list(values)}`);
  }
  if (filter.docVersions) {
    if (filter.docVersions.length === 0 || !filter.docVersions.every(Number.isSafeInteger)) {
      throw new MemflowError('INVALID_INPUT', 'docVersions must be a non-empty list of integers.');
    }
    clauses.push(`doc_version in [${filter.docVersions.join(', ')}]`);
  }
  return clauses.join(' and ');
}
