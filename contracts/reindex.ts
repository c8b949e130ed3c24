import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { tenantSchema } from './identifiers';
import type { QuestionKind } from './retrieval-questions';
import { retrievalQuestionSchema } from './retrieval-questions';

/** The saga's steps, in order. */
export type ReindexStep = 'create' | 'dual-write' | 'backfill' | 'validate' | 'cutover' | 'finish' | 'drop';

/**
 * The one status vocabulary of a re-embed: the `reindex_control` row, the saga's view, the CLI and
 * the `MemflowState` search attribute all say these (migration 004 checks the row against it).
 */
export const REINDEX_STATUSES = [
  /** The row exists; its saga has not started yet. */
  'requested',
  'creating',
  'dual-write',
  'backfilling',
  'validating',
  'cutover',
  /** Between two steps before the cutover, until `resume` or `cancel`. */
  'paused',
  /** The new version serves; the previous one is kept (and written) for `rollback` until retention ends. */
  'retaining',
  /** A failure or `cancel` before the cutover: the compensations run. */
  'compensating',
  /** Retention is over and the previous version is dropped. */
  'completed',
  'failed',
  'cancelled',
  /** `rollback` (or `cancel`) during retention: the previous version serves again, the new one is dropped. */
  'rolled-back',
] as const;
export type ReindexStatus = (typeof REINDEX_STATUSES)[number];

/** Statuses of a run that has ended: nothing will change its row again. */
export const FINAL_REINDEX_STATUSES: readonly ReindexStatus[] = ['completed', 'failed', 'cancelled', 'rolled-back'];

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
  /**
   * Chaos drills and tests: fail this step for real. Steps up to the cutover fail for good (the
   * saga compensates); `finish` and `drop`, after the cutover, fail their first two attempts and
   * are retried (a finished cutover is never reverted).
   */
  failAt?: ReindexStep;
  /** Chaos drills and tests: the compensation of this step fails for good (the others still run). */
  failCompensationOf?: ReindexStep;
}

const STEPS = [
  'create',
  'dual-write',
  'backfill',
  'validate',
  'cutover',
  'finish',
  'drop',
] as const satisfies readonly ReindexStep[];

/** Letters, digits and `_.:@-`: a target version names a workflow id and a search attribute value. */
export const targetVersionSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/, 'target version: letters, digits and _.:@- only');

export const reindexOptionsSchema = z
  .object({
    pageSize: z.number().int().min(1).max(10_000).optional(),
    batchSize: z.number().int().min(1).max(1_024).optional(),
    throttleMs: z.number().int().min(0).max(60_000).optional(),
    minRecall: z.number().min(0).max(1).optional(),
    minOverlap: z.number().min(0).max(1).optional(),
    goldenSize: z.number().int().min(1).max(1_000).optional(),
    retentionMs: z
      .number()
      .int()
      .min(0)
      .max(365 * 24 * 3600_000)
      .optional(),
    failAt: z.enum(STEPS).optional(),
    failCompensationOf: z.enum(STEPS).optional(),
  })
  .strict() satisfies z.ZodType<ReindexOptions>;

/** Questions a gate's question set may hold: each costs two embeddings and two searches. */
export const MAX_GATE_QUESTIONS = 500;
/** Its size as JSON, in characters: it travels in the saga's input and the gate's (payloads warn at 256 KB). */
export const MAX_GATE_QUESTION_SET_CHARS = 192 * 1024;

/**
 * A question of a set (`contracts/retrieval-questions.ts`) as the gate needs it: `fact` and `topic`
 * are dropped on the way in, so a whole question file can be passed as it was parsed.
 */
export const gateQuestionSchema = retrievalQuestionSchema
  .pick({ id: true, question: true, expected: true, kind: true })
  .strip();
export type GateQuestion = z.infer<typeof gateQuestionSchema>;

/**
 * A retrieval question set the validation gate scores the old and the new version on, as data (the
 * worker never reads a file a caller names): the cutover is refused when the new version's
 * page-level recall@5 is lower than the old one's by more than `recallTolerance` (default 0).
 */
export const reindexQuestionSetSchema = z
  .object({
    /** Whose documents the questions are about: every search is filtered to this tenant. */
    tenant: tenantSchema,
    questions: z
      .array(gateQuestionSchema)
      .min(1, 'a question set holds at least one question')
      .max(MAX_GATE_QUESTIONS, `a question set holds at most ${MAX_GATE_QUESTIONS} questions; pass a sample`)
      .refine((list) => new Set(list.map((q) => q.id)).size === list.length, 'a question id is used twice'),
    /** How much lower the new recall@5 may be and still cut over (0: any drop refuses). */
    recallTolerance: z.number().min(0).max(1).optional(),
  })
  .strict()
  .refine(
    (set) => JSON.stringify(set.questions).length <= MAX_GATE_QUESTION_SET_CHARS,
    `a question set is at most ${MAX_GATE_QUESTION_SET_CHARS / 1024} KiB as JSON (without facts and topics); pass fewer or shorter questions`,
  );
export type ReindexQuestionSet = z.infer<typeof reindexQuestionSetSchema>;

/** What starts a re-embed saga; the saga parses its own input with it before any step. */
export const reindexInputSchema = z
  .object({
    reindexId: z.number().int().positive(),
    targetVersion: targetVersionSchema,
    model: z.string().min(1).max(200),
    options: reindexOptionsSchema.optional(),
    /** Optional (sagas started before it existed have none): the gate also compares retrieval quality. */
    questionSet: reindexQuestionSetSchema.optional(),
  })
  .strict();
export type ReindexInput = z.infer<typeof reindexInputSchema>;

/** How one compensation went. */
export interface CompensationOutcome {
  name: string;
  ok: boolean;
  error?: string;
}

/** One version's page-level scores on a question set (contracts/retrieval-metrics.ts). */
export interface QuestionSetScores {
  collection: string;
  model: string;
  recallAt5: number;
  /** recall@5 per kind of question the set has. */
  recallAt5ByKind: Partial<Record<QuestionKind, number>>;
  /** Ids of the questions with no expected page among the first 5. */
  missedAt5: string[];
}

/** The gate's verdict on a question set: the new version against the one serving. */
export interface QuestionSetComparison {
  tenant: string;
  questions: number;
  recallTolerance: number;
  passed: boolean;
  previous: QuestionSetScores;
  next: QuestionSetScores;
}

export interface ReindexStatusView {
  reindexId: number;
  targetVersion: string;
  model: string;
  state: ReindexStatus;
  collection?: string;
  previousCollection?: string;
  backfilled: number;
  totalChunks?: number;
  paused: boolean;
  error?: string;
  validation?: {
    passed: boolean;
    reasons: string[];
    recallAt5: number;
    overlapAt5: number;
    questionSet?: QuestionSetComparison;
  };
  compensations: CompensationOutcome[];
}

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/**
 * Before the cutover: stop at the next step boundary and compensate (`cancelled`). During
 * retention: the same as `rollback` (`rolled-back`). After retention: nothing is left to cancel.
 */
export const cancelSignal = defineSignal<[{ reason?: string }]>('cancel');
export const rollbackSignal = defineSignal('rollback');
export const statusQuery = defineQuery<ReindexStatusView>('status');

export function reindexWorkflowId(targetVersion: string, reindexId: number): string {
  return `reindex/${targetVersion}/${reindexId}`;
}
