import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

/** LLM calls: a short heartbeat notices a dead worker quickly; attempts are bounded. */
export const llm = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 4 },
});

/** Milvus and Postgres: quick calls, retried a little longer (a service restart takes seconds). */
export const stores = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 8 },
});

export const tools = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', maximumAttempts: 3, nonRetryableErrorTypes: ['INVALID_INPUT'] },
});
