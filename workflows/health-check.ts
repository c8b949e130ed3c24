import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { checkDependencies } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3, initialInterval: '500ms' },
});

export interface HealthReport {
  worker: string;
  postgres: string;
  milvus: string;
}

/** The foundation's main job: a round trip through a worker that touches every dependency. */
export async function healthCheck(): Promise<HealthReport> {
  const report = await checkDependencies();
  return { worker: `task queue ${workflowInfo().taskQueue}`, ...report };
}
