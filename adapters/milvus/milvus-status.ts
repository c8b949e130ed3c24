import { MemflowError, errorMessage } from '../../contracts/errors';

interface Status {
  error_code?: string | number;
  code?: number;
  reason?: string;
}

const NOT_FOUND = /not found|can't find|doesn't exist|does not exist|not exist/i;
/** Also `released`: how milvus-lite reports every collection after a restart (load state is not persisted). */
const NOT_LOADED = /not loaded|collection not load|not been loaded|released/i;

/**
 * Milvus replies carry a status even when the gRPC call succeeded, and some servers report errors
 * with a success-looking envelope: every reply goes through here.
 */
export function checkStatus(reply: unknown, operation: string): void {
  const status = ((reply as { status?: Status })?.status ?? reply) as Status | undefined;
  if (!status) throw new MemflowError('VECTOR_STORE_UNAVAILABLE', `Milvus ${operation}: empty reply`);
  const failed =
    (status.error_code !== undefined && status.error_code !== 'Success' && status.error_code !== 0) ||
    (status.code !== undefined && status.code !== 0);
  if (!failed) return;
  const reason = status.reason || String(status.error_code);
  if (NOT_FOUND.test(reason) && /collection|alias/i.test(reason)) {
    throw new MemflowError('COLLECTION_NOT_FOUND', `Milvus ${operation}: ${reason}`);
  }
  const transient = /rate|busy|timeout|unavailable|deny|not ready/i.test(reason);
  throw new MemflowError(
    transient ? 'VECTOR_STORE_UNAVAILABLE' : 'VECTOR_STORE_ERROR',
    `Milvus ${operation} failed: ${reason}`,
  );
}

export function isNotLoaded(err: unknown): boolean {
  return NOT_LOADED.test(errorMessage(err));
}

/** SDK exceptions (connection refused, deadline) are transient from the caller's point of view. */
export function wrapTransport(err: unknown, operation: string): never {
  if (err instanceof MemflowError) throw err;
  throw new MemflowError('VECTOR_STORE_UNAVAILABLE', `Milvus ${operation} failed: ${errorMessage(err)}`, {
    cause: err,
  });
}
