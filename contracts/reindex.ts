import { defineQuery, defineSignal } from '@temporalio/workflow';

/** The saga's steps, in order; `failAt` names one for chaos drills. */
export type ReindexStep = 'create' | 'dual-write' | 'backfill' | 'validate' | 'cutover' | 'finish';

export interface ReindexOptions {
  /** Chunks per backfill activity (the workflow checks pause/cancel between pages). */
  pageSize?: number;
  /** Chunks per embedding batch inside a page. */
  batchSize?: number;
  /** Pause between embedding batches, to leave CPU to live traffic. */
  throttleMs?: number;
  minRecall?: number;
  minOverlap?: number;
  goldenSize?: number;
  /** How long the previous version is kept for rollback after cutover. */
  retentionMs?: number;
  /** Chaos drills and tests: fail this step for real. */
  failAt?: ReindexStep;
}

export interface ReindexInput {
  reindexId: number;
  targetVersion: string;
  model: string;
  options?: ReindexOptions;
}

export type SagaState =
  | 'creating'
  | 'dual-write'
  | 'backfilling'
  | 'paused'
  | 'validating'
  | 'cutover'
  | 'retaining'
  | 'completed'
  | 'compensating'
  | 'failed'
  | 'cancelled'
  | 'rolled-back';

export interface ReindexStatusView {
  reindexId: number;
  targetVersion: string;
  model: string;
  state: SagaState;
  collection?: string;
  previousCollection?: string;
  backfilled: number;
  totalChunks?: number;
  paused: boolean;
  error?: string;
  validation?: { passed: boolean; reasons: string[]; recallAt5: number; overlapAt5: number };
  compensations: string[];
}

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const cancelSignal = defineSignal<[{ reason?: string }]>('cancel');
export const rollbackSignal = defineSignal('rollback');
export const statusQuery = defineQuery<ReindexStatusView>('status');

export function reindexWorkflowId(targetVersion: string, reindexId: number): string {
  return `reindex/${targetVersion}/${reindexId}`;
}
