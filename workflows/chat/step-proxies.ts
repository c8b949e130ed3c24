import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/** LLM calls: bounded attempts with backoff (429 `retry-after` overrides the interval). */
const LLM_RETRY: RetryPolicy = {
  initialInterval: '500ms',
  backoffCoefficient: 2,
  maximumInterval: '10s',
  maximumAttempts: 4,
};
/** Milvus and Postgres: retried a little longer (a service restart takes seconds). */
const STORE_RETRY: RetryPolicy = {
  initialInterval: '200ms',
  backoffCoefficient: 2,
  maximumInterval: '5s',
  maximumAttempts: 8,
};

/** LLM calls: a short heartbeat notices a dead worker quickly. */
export const llm = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  retry: LLM_RETRY,
});

/**
 * Milvus and Postgres steps as local activities: they run on the worker inside the turn's workflow
 * task (a marker in history, no task-queue round trip), which is where most of a turn's overhead
 * went. Past `localRetryThreshold` a retry waits on a durable timer instead.
 */
export const localStores = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  localRetryThreshold: '5s',
  retry: STORE_RETRY,
});

/**
 * LLM steps as local activities, for sessions started with `llmSteps: 'local'` (LLMs that answer
 * in seconds). The worker heartbeats the workflow task while they run; a dead worker is noticed
 * after the workflow task timeout and the step runs again elsewhere, as with `llm`.
 */
export const localLlm = proxyLocalActivities<Activities>({
  startToCloseTimeout: '2m',
  localRetryThreshold: '10s',
  retry: LLM_RETRY,
});

export const tools = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', maximumAttempts: 3 },
});
