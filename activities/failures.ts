import { isPostgresUnavailable, postgresUnavailable } from '../adapters/postgres/pool';
import { toFailure } from '../contracts/errors';

/**
 * Wraps an activity so its errors are classified at the boundary: a MemflowError becomes a failure
 * typed with its code, retryable as the code says (contracts/errors.ts); PostgreSQL gone away becomes
 * POSTGRES_UNREACHABLE (retryable) instead of a driver error; a failure passes as it is.
 */
export function classified<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw toFailure(isPostgresUnavailable(err) ? postgresUnavailable(err) : err);
    }
  };
}
