import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { TimeoutFailure } from '@temporalio/common';
import type { MemflowConfig } from '../config/config';
import { MemflowError, typedFailure } from '../contracts/errors';
import { parseInput } from '../contracts/identifiers';
import { MemflowTenant } from '../contracts/search-attributes';
import type { SearchIndexInput, SearchIndexResult } from '../contracts/search';
import { searchIndexInputSchema, searchWorkflowId } from '../contracts/search';
import type { searchIndex as searchIndexWorkflow } from '../workflows/search-index';
import { waitForResult } from './wait-for-result';

export interface SearchOptions {
  /** How long the search may take, queueing for a worker included (default 60 s). */
  timeoutMs?: number;
  /** Told once when Temporal becomes unreachable and the call keeps waiting. */
  onWait?: (line: string) => void;
}

export interface SearchReply extends SearchIndexResult {
  workflowId: string;
}

/**
 * Runs the retriever exactly as a chat turn runs it (the `searchIndex` workflow, through the worker)
 * for one query of one tenant, and returns the passages with their scores and leg ranks. The input
 * is checked with the workflow's own schema first: a bad one is `INVALID_INPUT` and starts nothing.
 */
export async function searchIndex(
  temporal: Client,
  config: MemflowConfig,
  input: SearchIndexInput,
  options: SearchOptions = {},
): Promise<SearchReply> {
  const valid = parseInput(searchIndexInputSchema, input, 'search');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const workflowId = searchWorkflowId(valid.tenant, new Date(), crypto.randomBytes(3).toString('hex'));
  const handle = await temporal.workflow.start<typeof searchIndexWorkflow>('searchIndex', {
    workflowId,
    taskQueue: config.temporal.taskQueue,
    args: [valid],
    workflowExecutionTimeout: timeoutMs,
    typedSearchAttributes: [{ key: MemflowTenant, value: valid.tenant }],
  });
  try {
    // A Temporal restart meanwhile does not end the search: it goes on in the server.
    const result = await waitForResult<SearchIndexResult>(handle, { log: options.onWait, patienceMs: timeoutMs });
    return { ...result, workflowId };
  } catch (err) {
    // The retriever's typed failure (INVALID_INPUT, INDEX_UNAVAILABLE, …), with its code.
    const typed = typedFailure(err);
    if (typed) throw new MemflowError(typed.code, typed.message, { cause: err });
    if (err instanceof WorkflowFailedError && err.cause instanceof TimeoutFailure) {
      throw new MemflowError(
        'SERVICE_UNHEALTHY',
        `The search did not complete within ${timeoutMs / 1000}s: no worker is polling task queue ` +
          `${config.temporal.taskQueue}, or it cannot reach its dependencies. Start one with \`memflow worker\`.`,
        { cause: err },
      );
    }
    throw err;
  }
}
