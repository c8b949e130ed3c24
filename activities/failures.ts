import { ApplicationFailure } from '@temporalio/common';
import { MemflowError } from '../contracts/errors';

/**
 * Classifies an error at the activity boundary: typed input errors do not retry (the failure's
 * type is the error code), transient ones do; anything already an ApplicationFailure passes.
 */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof MemflowError) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.code,
      nonRetryable: !err.retryable,
      cause: err,
    });
  }
  return err;
}

/** Wraps an activity so its errors are classified. */
export function classified<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw toActivityFailure(err);
    }
  };
}
