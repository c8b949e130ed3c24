import type { MemflowConfig } from '../config';
import { MemflowError } from '../errors';
import { tailFile } from '../stack/processes';
import { formatStatus, stackStatus, stackUp } from '../stack/stack';
import { restartWorker, waitForWorker } from '../stack/worker-process';
import { connectClient, workflowUrl } from '../temporal/connection';
import type { HealthReport } from '../../workflows/health-check';
import type { CliContext } from './main';

/** Runs the health-check workflow through whatever worker polls the task queue. */
export async function runHealthCheck(config: MemflowConfig, ctx: CliContext, timeoutMs = 60_000): Promise<number> {
  const client = await connectClient(config);
  try {
    const workflowId = `health/${new Date().toISOString()}`;
    const handle = await client.workflow.start('healthCheck', {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      workflowExecutionTimeout: timeoutMs,
    });
    let report: HealthReport;
    try {
      report = await handle.result();
    } catch (err) {
      throw new MemflowError(
        'SERVICE_UNHEALTHY',
        `The health-check workflow did not complete within ${timeoutMs / 1000}s: no worker is polling ` +
          `task queue ${config.temporal.taskQueue}, or it cannot reach its dependencies. Start one with \`memflow worker\`.`,
        { cause: err },
      );
    }
    const url = workflowUrl(config, workflowId);
    ctx.print(
      ctx.json
        ? JSON.stringify({ ...report, workflowId, url })
        : [`health report (workflow ${workflowId}):`, `  worker    ${report.worker}`, `  postgres  ${report.postgres}`, `  milvus    ${report.milvus}`, `  ${url}`].join('\n'),
    );
    return 0;
  } finally {
    await client.connection.close();
  }
}

/** `npm start`: stack up, a fresh background worker, then the main job. */
export async function startCommand(config: MemflowConfig, ctx: CliContext): Promise<number> {
  await stackUp(config, ctx.log);
  const worker = await restartWorker(config);
  ctx.log(`started: worker (pid ${worker.pid}, log ${worker.logFile})`);
  await waitForWorker(worker);
  try {
    await runHealthCheck(config, ctx);
  } catch (err) {
    ctx.log(`worker log:\n${tailFile(worker.logFile)}`);
    throw err;
  }
  if (!ctx.json) ctx.print(formatStatus(await stackStatus(config)));
  ctx.log(`Open the Temporal UI at ${config.temporal.uiUrl} · stop everything with \`npx memflow stack down\``);
  return 0;
}
