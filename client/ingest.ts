import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { MemflowConfig } from '../config/config';
import { assertTenant } from '../adapters/milvus/milvus-filter';
import { MemflowTenant } from '../contracts/search-attributes';
import type { IngestProgress, IngestRequest } from '../contracts/ingest';
import { progressQuery } from '../contracts/ingest';
import type { ingestDocuments } from '../workflows/ingest/ingest-documents';
import { expandPaths } from './expand-paths';

export interface StartIngestOptions {
  tenant: string;
  paths: string[];
  cwd?: string;
  /** Source URIs are relative to this folder (default: the folder given, or the working directory). */
  baseDir?: string;
  batchSize?: number;
  concurrency?: number;
  maxBytes?: number;
  workflowId?: string;
}

/** Starts an ingestion run; the workflow id is readable in the Temporal UI: `ingest/<tenant>/<time>`. */
export async function startIngest(
  client: Client,
  config: MemflowConfig,
  options: StartIngestOptions,
): Promise<{ handle: WorkflowHandle<typeof ingestDocuments>; ignored: number; files: number }> {
  assertTenant(options.tenant);
  const expanded = expandPaths(options.paths, options.cwd);
  const request: IngestRequest = {
    tenant: options.tenant,
    baseDir: options.baseDir ? path.resolve(options.baseDir) : expanded.baseDir,
    files: expanded.files,
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    maxBytes: options.maxBytes,
  };
  const handle = await client.workflow.start<typeof ingestDocuments>('ingestDocuments', {
    taskQueue: config.temporal.taskQueue,
    workflowId: options.workflowId ?? `ingest/${options.tenant}/${new Date().toISOString()}`,
    args: [request],
    typedSearchAttributes: [{ key: MemflowTenant, value: options.tenant }],
    memo: { tenant: options.tenant, files: expanded.files.length, baseDir: expanded.baseDir },
  });
  return { handle, ignored: expanded.ignored, files: expanded.files.length };
}

export function ingestProgress(handle: WorkflowHandle<typeof ingestDocuments>): Promise<IngestProgress> {
  return handle.query(progressQuery);
}
