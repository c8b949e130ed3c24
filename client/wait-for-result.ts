import type { WorkflowHandle } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';
import { MemflowError } from '../contracts/errors';

/** gRPC codes of a server that is restarting or out of reach: the workflow itself goes on. */
const UNREACHABLE_CODES = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);

/** Whether an error only says the Temporal server could not be reached (nothing about the run). */
export function isTemporalUnreachable(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    // The SDK wraps the gRPC error (with its status code) as the cause of a ServiceError.
    if (isGrpcServiceError(e) && UNREACHABLE_CODES.has(e.code)) return true;
  }
  return false;
}

const NOT_READY = 'temporal.api.errordetails.v1.WorkflowNotReadyFailure';
const MULTI_OPERATION = 'temporal.api.errordetails.v1.MultiOperationExecutionFailure';
const typeName = (url: string | null | undefined) => (url ?? '').replace(/^type\.googleapis\.com\//, '');

/**
 * Whether the server refused a call because the workflow's task is being retried — after a worker
 * died holding it, the server admits no update until a worker completes it (`WorkflowNotReady`,
 * FAILED_PRECONDITION). Nothing was admitted; the same call succeeds once a worker picks the task
 * up. Read from the status details (an update-with-start nests them per operation).
 */
export function isWorkflowNotReady(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (!isGrpcServiceError(e) || e.code !== 9 /* FAILED_PRECONDITION */) continue;
    const bin = e.metadata?.get('grpc-status-details-bin')?.[0];
    if (!bin || typeof bin === 'string') continue;
    try {
      for (const detail of google.rpc.Status.decode(bin).details) {
        const type = typeName(detail.type_url);
        if (type === NOT_READY) return true;
        if (type === MULTI_OPERATION && detail.value) {
          const multi = temporal.api.errordetails.v1.MultiOperationExecutionFailure.decode(detail.value);
          if (multi.statuses.some((st) => st.details?.some((d) => typeName(d.type_url) === NOT_READY))) return true;
        }
      }
    } catch {
      // Undecodable details say nothing about readiness.
    }
  }
  return false;
}

/**
 * A workflow's result, waiting through Temporal restarts: the run goes on in the server whether or
 * not this process can reach it, so an unreachable server means wait and ask again (saying so once,
 * with how to follow the run), up to `patienceMs`; after that a typed error says the same.
 */
export async function waitForResult<T>(
  handle: WorkflowHandle,
  options: { log?: (line: string) => void; patienceMs?: number; follow?: string } = {},
): Promise<T> {
  const patienceMs = options.patienceMs ?? 10 * 60_000;
  const follow = options.follow ?? `temporal workflow show --workflow-id '${handle.workflowId}'`;
  let unreachableSince: number | undefined;
  for (let delay = 1000; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      return (await handle.result()) as T;
    } catch (err) {
      if (!isTemporalUnreachable(err)) throw err;
      if (unreachableSince === undefined) {
        unreachableSince = Date.now();
        options.log?.(
          `Temporal is unreachable; workflow ${handle.workflowId} goes on in the server. Waiting for it to come back (follow it with: ${follow}).`,
        );
      } else if (Date.now() - unreachableSince > patienceMs) {
        throw new MemflowError(
          'SERVICE_UNHEALTHY',
          `Temporal has been unreachable for ${Math.round(patienceMs / 60_000)} min. Workflow ${handle.workflowId} goes on in the server; follow it with: ${follow}.`,
          { cause: err },
        );
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
