/**
 * How the chaos benchmark's clients tell "try the same call again" from a real failure, and the
 * loop that does it: a typed retryable `MemflowError` (contracts/errors.ts), Temporal out of reach
 * (the client does not type that), an update call that timed out on the wire, or our own per-attempt
 * time limit. Everything else is a failure the run reports.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError } from '@temporalio/client';
import { isTemporalUnreachable } from '../../client/wait-for-result';
import { MemflowError, isRetryable, typedFailure } from '../../contracts/errors';

/** gRPC codes a restarting server answers with: CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNAVAILABLE. */
const TRANSIENT_GRPC_CODES = new Set([1, 4, 8, 10, 14]);

/** Our own limit on one attempt ran out (the call goes on in the background; its answer is ignored). */
export class AttemptTimeout extends Error {}

/** Why `err` may be retried with the same call (a label to count retries by), or undefined. */
export function retryReason(err: unknown): string | undefined {
  if (err instanceof AttemptTimeout) return 'attempt-timeout';
  if (err instanceof MemflowError) return err.retryable ? err.code : undefined;
  const typed = typedFailure(err);
  if (typed) return isRetryable(typed.code) ? typed.code : undefined;
  if (isTemporalUnreachable(err)) return 'temporal-unreachable';
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return 'update-rpc-timeout';
    if (isGrpcServiceError(e) && TRANSIENT_GRPC_CODES.has(e.code)) return `grpc-${e.code}`;
  }
  return undefined;
}

export interface RetryStats {
  attempts: number;
  /** Retries by reason. */
  retries: Record<string, number>;
}

export function countRetry(stats: RetryStats, reason: string): void {
  stats.retries[reason] = (stats.retries[reason] ?? 0) + 1;
}

export function totalRetries(stats: { retries: Record<string, number> }): number {
  return Object.values(stats.retries).reduce((sum, n) => sum + n, 0);
}

/** Adds `from`'s retry counts to `into`. */
export function addRetries(into: Record<string, number>, from: Record<string, number>): void {
  for (const [reason, n] of Object.entries(from)) into[reason] = (into[reason] ?? 0) + n;
}

/**
 * Runs `call` until it succeeds, a non-retryable error (rethrown) or `deadline` (epoch ms; the last
 * error is rethrown). Each attempt may take `attemptMs`; waits 1 s between attempts, doubling to 8 s.
 */
export async function retryUntil<T>(
  call: () => Promise<T>,
  options: { deadline: number; attemptMs: number; stats: RetryStats; signal?: AbortSignal },
): Promise<T> {
  for (let delay = 1_000; ; delay = Math.min(delay * 2, 8_000)) {
    options.signal?.throwIfAborted();
    options.stats.attempts += 1;
    let timer: NodeJS.Timeout | undefined;
    try {
      const attempt = call();
      attempt.catch(() => undefined); // a timed-out attempt may still fail later: not unhandled
      return await Promise.race([
        attempt,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new AttemptTimeout(`no answer within ${options.attemptMs / 1000} s`)),
            options.attemptMs,
          );
        }),
      ]);
    } catch (err) {
      const reason = retryReason(err);
      if (reason === undefined || Date.now() + delay > options.deadline) throw err;
      countRetry(options.stats, reason);
      await sleep(delay, undefined, options.signal ? { signal: options.signal } : undefined);
    } finally {
      clearTimeout(timer);
    }
  }
}
