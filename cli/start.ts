import path from 'node:path';
import type { MemflowConfig } from '../config/config';
import { MemflowError, errorMessage, typedFailure } from '../contracts/errors';
import type { IngestProgress } from '../contracts/ingest';
import { everyDocumentFailed } from '../client/ingest';
import { MemflowClient } from '../client/memflow-client';
import { waitForResult } from '../client/wait-for-result';
import { QUICK_SUBSET, fetchPostgresDocs } from './postgres-docs-corpus';
import { REPO_ROOT, loadConfig } from '../config/config';
import { tailFile } from '../devstack/processes';
import { formatStatus, stackStatus, stackUp } from '../devstack/stack';
import { restartWorker, waitForWorker } from '../devstack/worker-process';
import { connectClient, workflowUrl } from '../adapters/temporal/connection';
import type { HealthReport } from '../contracts/health';
import { formatChat } from './chat-command';
import { formatIngestSummary } from './ingest-command';
import type { CliContext } from './main';

export const DEMO_TENANT = 'demo';
export const DEMO_QUESTION = 'How often should I run VACUUM, and what does autovacuum do?';

/** Runs the health-check workflow through whatever worker polls the task queue. */
export async function runHealthCheck(
  config: MemflowConfig,
  ctx: CliContext,
  timeoutMs = 60_000,
): Promise<HealthReport & { workflowId: string; url: string }> {
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
      // A Temporal restart meanwhile does not end the check: the run goes on in the server.
      report = await waitForResult<HealthReport>(handle, { log: ctx.log, patienceMs: timeoutMs });
    } catch (err) {
      if (typedFailure(err)?.code === 'SERVICE_UNHEALTHY') throw err;
      throw new MemflowError(
        'SERVICE_UNHEALTHY',
        `The health-check workflow did not complete within ${timeoutMs / 1000}s: no worker is polling ` +
          `task queue ${config.temporal.taskQueue}, or it cannot reach its dependencies. Start one with \`memflow worker\`.`,
        { cause: err },
      );
    }
    const url = workflowUrl(config, workflowId);
    if (!ctx.json) {
      ctx.print(
        [
          `health report (workflow ${workflowId}):`,
          `  worker    ${report.worker}`,
          `  postgres  ${report.postgres}`,
          `  milvus    ${report.milvus}`,
          `  ${url}`,
        ].join('\n'),
      );
    }
    return { ...report, workflowId, url };
  } finally {
    await client.connection.close();
  }
}

export async function healthCommand(config: MemflowConfig, ctx: CliContext): Promise<number> {
  const report = await runHealthCheck(config, ctx);
  if (ctx.json) ctx.print(JSON.stringify(report));
  return 0;
}

/** The sample corpus: maintenance pages of the PostgreSQL manual, or the project's fixtures offline. */
function sampleCorpus(config: MemflowConfig, ctx: CliContext): { paths: string[]; baseDir: string } {
  try {
    const html = fetchPostgresDocs(config, ctx.log);
    return { paths: QUICK_SUBSET.map((f) => path.join(html, f)), baseDir: html };
  } catch (err) {
    ctx.log(`(${errorMessage(err)} — using the bundled sample corpus instead)`);
    const fixtures = path.join(REPO_ROOT, 'test', 'fixtures', 'corpus');
    return { paths: [fixtures], baseDir: fixtures };
  }
}

/** `npm start`: stack up, a fresh background worker, the health report, then ingest a sample and answer a question. */
export async function startCommand(configBefore: MemflowConfig, ctx: CliContext): Promise<number> {
  await stackUp(configBefore, ctx.log);
  // Read again: on a first start, `stack up` has just created the payload codec's key file.
  const config = loadConfig();
  const worker = await restartWorker(config);
  ctx.log(`started: worker (pid ${worker.pid}, log ${worker.logFile})`);
  await waitForWorker(worker);
  let health;
  try {
    health = await runHealthCheck(config, ctx);
  } catch (err) {
    ctx.log(`worker log:\n${tailFile(worker.logFile)}`);
    throw err;
  }
  const client = await MemflowClient.connect(config);
  try {
    const corpus = sampleCorpus(config, ctx);
    const { handle } = await client.ingest({ tenant: DEMO_TENANT, paths: corpus.paths, baseDir: corpus.baseDir });
    ctx.log(`ingesting the sample corpus for tenant "${DEMO_TENANT}" · ${workflowUrl(config, handle.workflowId)}`);
    const ingested = await waitForResult<IngestProgress>(handle, { log: ctx.log });
    if (everyDocumentFailed(ingested)) {
      throw new MemflowError(
        'INVALID_INPUT',
        `Every document of the sample corpus failed:\n${formatIngestSummary(ingested)}\nSee ${workflowUrl(config, handle.workflowId)}.`,
      );
    }
    const answer = await client.chat(DEMO_TENANT, 'quickstart', DEMO_QUESTION, { onWait: ctx.log });
    if (ctx.json) {
      ctx.print(
        JSON.stringify(
          { health, ingest: { workflowId: handle.workflowId, ...ingested }, question: DEMO_QUESTION, answer },
          null,
          2,
        ),
      );
    } else {
      ctx.print(formatIngestSummary(ingested));
      ctx.print(`\nQ: ${DEMO_QUESTION}\n${formatChat(answer)}\n`);
      ctx.print(formatStatus(await stackStatus(config)));
    }
  } finally {
    await client.close();
  }
  ctx.log(
    `Open the Temporal UI at ${config.temporal.uiUrl} · ask more with \`npx memflow chat --tenant ${DEMO_TENANT} --session quickstart "…"\` · stop with \`npx memflow stack down\``,
  );
  return 0;
}
