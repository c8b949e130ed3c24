import { defineQuery } from '@temporalio/workflow';

export interface IngestRequest {
  tenant: string;
  /** Source URIs are paths relative to this folder. */
  baseDir: string;
  /** Absolute paths of the files to ingest (readable by the worker). */
  files: string[];
  maxBytes?: number;
  /** Documents per child workflow. */
  batchSize?: number;
  /** Child workflows running at once. */
  concurrency?: number;
}

export interface DocumentFailure {
  sourceUri: string;
  reason: string;
  message: string;
}

export interface BatchResult {
  changed: number;
  unchanged: number;
  failures: DocumentFailure[];
  chunksWritten: number;
}

export interface IngestProgress {
  state: 'running' | 'completed';
  documentsTotal: number;
  documentsDone: number;
  changed: number;
  skipped: number;
  failed: number;
  chunksWritten: number;
  chunksPerSecond: number;
  elapsedMs: number;
  /** The first failures, each with its reason (the count is in `failed`). */
  failures: DocumentFailure[];
}

/** Carried across continue-as-new so a huge corpus keeps one run's progress. */
export interface IngestCarry {
  nextBatch: number;
  startedAt: number;
  progress: IngestProgress;
}

export const MAX_REPORTED_FAILURES = 200;
/** Files larger than this are refused as TOO_LARGE unless the request sets `maxBytes`. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;
export const progressQuery = defineQuery<IngestProgress>('progress');
