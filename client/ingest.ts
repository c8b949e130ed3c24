import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Pool } from 'pg';
import type { MemflowConfig } from '../config/config';
import { MemflowError } from '../contracts/errors';
import { MemflowTenant } from '../contracts/search-attributes';
import type { DocumentFailure, IngestProgress, IngestRequest } from '../contracts/ingest';
import {
  DEFAULT_MAX_DOCUMENT_BYTES,
  MAX_DOCUMENTS_PER_INGEST,
  checkIngestOptions,
  checkIngestRequest,
  progressQuery,
} from '../contracts/ingest';
import type { ingestDocuments } from '../workflows/ingest/ingest-documents';
import { expandPaths, isInside } from './expand-paths';
import type { StagedFiles } from './stage-files';
import { stageFiles, unstageFiles } from './stage-files';
import { isTemporalUnreachable } from './wait-for-result';
import { STAGED_DOCUMENT_TTL_HOURS } from '../adapters/postgres/staged-documents';

export interface StartIngestOptions {
  tenant: string;
  /**
   * Local files, folders or globs, read and staged here; with `corpus`, paths relative to that
   * corpus's root on the worker instead (read there, confined to it).
   */
  paths: string[];
  /** A corpus root configured on the worker (`MEMFLOW_CORPUS_ROOTS`): nothing is read or staged here. */
  corpus?: string;
  cwd?: string;
  /** Source URIs are relative to this folder (default: the folder given, or the working directory). */
  baseDir?: string;
  batchSize?: number;
  concurrency?: number;
  maxBytes?: number;
  workflowId?: string;
}

export interface StartedIngest {
  handle: WorkflowHandle<typeof ingestDocuments>;
  /** Files inside given folders skipped for their extension. */
  ignored: number;
  /** Documents the run covers: staged, refused here, or named under the corpus. */
  files: number;
  /** Files refused here before staging (also reported by the run). */
  rejected: DocumentFailure[];
}

function invalid(message: string): MemflowError {
  return new MemflowError('INVALID_INPUT', message);
}

/** `{ a: 1, b: undefined }` → `{ a: 1 }`: the input a workflow receives has no undefined keys. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Starts an ingestion run; the workflow id is readable in the Temporal UI: `ingest/<tenant>/<time>`.
 * Local files are read here and staged in PostgreSQL (`db`): the worker loads them by staged id
 * and tenant and never opens a path the caller chose. Options are checked with the workflow's own
 * schemas before anything is staged or started (`INVALID_INPUT`), and nothing starts when every
 * file was refused.
 */
export async function startIngest(
  client: Client,
  config: MemflowConfig,
  db: Pool,
  options: StartIngestOptions,
): Promise<StartedIngest> {
  const checkedOptions = checkIngestOptions(
    defined({
      tenant: options.tenant,
      batchSize: options.batchSize,
      concurrency: options.concurrency,
      maxBytes: options.maxBytes,
    }),
  );
  if (!checkedOptions.ok) throw invalid(checkedOptions.message);
  const ingestOptions = checkedOptions.value;
  const { tenant } = ingestOptions;
  const workflowId = options.workflowId ?? `ingest/${tenant}/${new Date().toISOString()}`;

  const start = async (request: IngestRequest, files: number) => {
    const checked = checkIngestRequest(request);
    if (!checked.ok) throw invalid(checked.message);
    return client.workflow.start<typeof ingestDocuments>('ingestDocuments', {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [checked.value],
      typedSearchAttributes: [{ key: MemflowTenant, value: tenant }],
      memo: defined({ tenant, documents: files, corpus: options.corpus }),
    });
  };

  if (options.corpus !== undefined) {
    if (options.baseDir !== undefined || options.cwd !== undefined) {
      throw invalid('baseDir and cwd apply to local files; corpus paths are relative to the corpus root.');
    }
    const source = { corpus: options.corpus, paths: options.paths };
    const handle = await start({ ...ingestOptions, source }, options.paths.length);
    return { handle, ignored: 0, files: options.paths.length, rejected: [] };
  }

  const expanded = expandPaths(options.paths, options.cwd);
  const baseDir = options.baseDir ? path.resolve(options.baseDir) : expanded.baseDir;
  const outside = expanded.files.find((f) => !isInside(baseDir, f));
  if (outside)
    throw invalid(`${outside} is not inside the base folder ${baseDir}. Choose a base folder that holds every file.`);
  if (expanded.files.length > MAX_DOCUMENTS_PER_INGEST) {
    throw invalid(
      `${expanded.files.length} files in one ingest; the limit is ${MAX_DOCUMENTS_PER_INGEST}. Ingest the folders in several runs.`,
    );
  }
  const staged: StagedFiles = await stageFiles(db, {
    tenant,
    files: expanded.files,
    baseDir,
    maxBytes: ingestOptions.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
  });
  if (staged.stagedAt === undefined) {
    const reasons = staged.rejected.slice(0, 10).map((r) => `\n  ✗ ${r.reason}: ${r.message}`);
    const more = staged.rejected.length > 10 ? `\n  … and ${staged.rejected.length - 10} more` : '';
    throw invalid(`Nothing to ingest: every file was refused.${reasons.join('')}${more}`);
  }
  try {
    const source = { staged: staged.staged, stagedAt: staged.stagedAt };
    const request = { ...ingestOptions, source, ...(staged.rejected.length > 0 ? { rejected: staged.rejected } : {}) };
    const handle = await start(request, expanded.files.length);
    return { handle, ignored: expanded.ignored, files: expanded.files.length, rejected: staged.rejected };
  } catch (err) {
    if (isTemporalUnreachable(err)) {
      // The start may have reached the server before it went away: its run needs the staged files,
      // so they stay (purged after the TTL if nothing started).
      throw new MemflowError(
        'SERVICE_UNHEALTHY',
        `Temporal became unreachable while starting ingest ${workflowId}; it may have started. The staged files ` +
          `are kept for it (purged after ${STAGED_DOCUMENT_TTL_HOURS} h if it did not). Follow it with ` +
          `\`temporal workflow describe --workflow-id '${workflowId}'\`, or run the ingest again: unchanged documents are skipped.`,
        { cause: err },
      );
    }
    await unstageFiles(db, tenant, staged).catch(() => undefined);
    throw err;
  }
}

export function ingestProgress(handle: WorkflowHandle<typeof ingestDocuments>): Promise<IngestProgress> {
  return handle.query(progressQuery);
}

/** Whether a finished run ingested nothing at all: every document it named failed. */
export function everyDocumentFailed(result: IngestProgress): boolean {
  return result.documentsTotal > 0 && result.failed === result.documentsTotal;
}
