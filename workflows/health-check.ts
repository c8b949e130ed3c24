import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { HealthReport } from '../contracts/health';

const { checkDependencies } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 3, initialInterval: '500ms' },
});

/** The foundation's main job: a round trip through a worker that touches every dependency. */
export async function healthCheck(): Promise<HealthReport> {
  const report = await checkDependencies();
  return { worker: `task queue ${workflowInfo().taskQueue}`, ...report };
}
