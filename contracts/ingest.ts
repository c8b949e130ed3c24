import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import type { Checked } from './input-issues';
import { checkInput } from './input-issues';
import { MAX_RELATIVE_PATH_CHARS, relativePathProblem } from './relative-path';
import { tenantSchema } from './identifiers';
/** Names of the corpus roots a worker is configured with (`MEMFLOW_CORPUS_ROOTS`). */
export const CORPUS_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A staged document's id: 32 hex digits of sha256(tenant, source URI, content hash). */
export const STAGED_ID_PATTERN = /^[0-9a-f]{32}$/;

/** Files larger than this are refused as TOO_LARGE unless the request sets `maxBytes`. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;
/** The most `maxBytes` may be raised to (and what the staging table accepts). */
export const MAX_DOCUMENT_BYTES_LIMIT = 16 * 1024 * 1024;
export const DEFAULT_BATCH_SIZE = 20;
export const MAX_BATCH_SIZE = 200;
export const DEFAULT_CONCURRENCY = 2;
export const MAX_CONCURRENCY = 16;
/** Documents one ingest run may name; more would push its input towards Temporal's 2 MB payload limit. */
export const MAX_DOCUMENTS_PER_INGEST = 10_000;
export const MAX_REPORTED_FAILURES = 200;

const boundedInt = (min: number, max: number) => z.number().int().min(min).max(max);

const relativePath = z.string().superRefine((value, ctx) => {
  const problem = relativePathProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem.message });
});

/** A document the caller staged in PostgreSQL; `sourceUri` is for reporting, the staged row's own is used. */
export const stagedDocumentRefSchema = z.strictObject({
  stagedId: z.string().regex(STAGED_ID_PATTERN, 'a staged id is 32 lowercase hex digits'),
  sourceUri: relativePath,
});

export const stagedSourceSchema = z.strictObject({
  staged: z.array(stagedDocumentRefSchema).min(1).max(MAX_DOCUMENTS_PER_INGEST),
  /**
   * When the caller staged them, by the database's clock: a run releases only rows staged no later,
   * so a concurrent run that re-staged the same content keeps its rows.
   */
  stagedAt: z.string().datetime({ offset: true }),
});

/** Files under a corpus root the worker is configured with, by paths relative to that root. */
export const corpusSourceSchema = z.strictObject({
  corpus: z.string().regex(CORPUS_NAME_PATTERN, 'a corpus name is 1-64 letters, digits, ".", "_" or "-"'),
  paths: z.array(relativePath).min(1).max(MAX_DOCUMENTS_PER_INGEST),
});

/** Where an ingest's documents come from. Never a path on the worker chosen by the caller. */
export const ingestSourceSchema = z.union([stagedSourceSchema, corpusSourceSchema]);

export const documentFailureSchema = z.strictObject({
  sourceUri: z.string().max(MAX_RELATIVE_PATH_CHARS * 2),
  reason: z.string().regex(/^[A-Z][A-Z0-9_]{0,39}$/, 'a reason is an upper-case code'),
  message: z.string().max(2000),
});

const optionFields = {
  tenant: tenantSchema,
  /** Documents per child workflow. */
  batchSize: boundedInt(1, MAX_BATCH_SIZE).optional(),
  /** Child workflows running at once. */
  concurrency: boundedInt(1, MAX_CONCURRENCY).optional(),
  maxBytes: boundedInt(1, MAX_DOCUMENT_BYTES_LIMIT).optional(),
};

/** The options of an ingest, checked by the client and the CLI before they stage or start anything. */
export const ingestOptionsSchema = z.strictObject(optionFields);

/** The `ingestDocuments` workflow's input. */
export const ingestRequestSchema = z
  .strictObject({
    ...optionFields,
    source: ingestSourceSchema,
    /** Documents the caller refused before staging (too large, unsupported type, …): reported, never read. */
    rejected: z.array(documentFailureSchema).max(MAX_DOCUMENTS_PER_INGEST).optional(),
  })
  .superRefine((request, ctx) => {
    const total = sourceSize(request.source) + (request.rejected?.length ?? 0);
    if (total > MAX_DOCUMENTS_PER_INGEST) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `${total} documents in one ingest; the limit is ${MAX_DOCUMENTS_PER_INGEST}. Split it into several ingests.`,
      });
    }
  });

/** The `ingestBatch` child workflow's input (and the `registerDocuments` activity's). */
export const ingestBatchInputSchema = z
  .strictObject({ tenant: tenantSchema, maxBytes: boundedInt(1, MAX_DOCUMENT_BYTES_LIMIT), source: ingestSourceSchema })
  .superRefine((batch, ctx) => {
    if (sourceSize(batch.source) > MAX_BATCH_SIZE) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `A batch holds at most ${MAX_BATCH_SIZE} documents.` });
    }
  });

const count = z.number().int().min(0);
const ingestProgressSchema = z.strictObject({
  state: z.enum(['running', 'completed']),
  documentsTotal: count,
  documentsDone: count,
  changed: count,
  skipped: count,
  failed: count,
  chunksWritten: count,
  chunksPerSecond: z.number().min(0),
  elapsedMs: z.number().min(0),
  failures: z.array(documentFailureSchema).max(MAX_REPORTED_FAILURES),
});

/** Carried across continue-as-new so a huge corpus keeps one run's progress. */
export const ingestCarrySchema = z.strictObject({
  nextBatch: count,
  startedAt: z.number().finite(),
  progress: ingestProgressSchema,
});

export type StagedDocumentRef = z.infer<typeof stagedDocumentRefSchema>;
export type IngestSource = z.infer<typeof ingestSourceSchema>;
export type IngestOptions = z.infer<typeof ingestOptionsSchema>;
export type IngestRequest = z.infer<typeof ingestRequestSchema>;
export type IngestBatchInput = z.infer<typeof ingestBatchInputSchema>;
export type DocumentFailure = z.infer<typeof documentFailureSchema>;
export type IngestProgress = z.infer<typeof ingestProgressSchema>;
export type IngestCarry = z.infer<typeof ingestCarrySchema>;

export interface BatchResult {
  changed: number;
  unchanged: number;
  failures: DocumentFailure[];
  chunksWritten: number;
}

export function checkIngestOptions(value: unknown): Checked<IngestOptions> {
  return checkInput(ingestOptionsSchema, value, 'ingest options');
}

export function checkIngestSource(value: unknown): Checked<IngestSource> {
  return checkInput(ingestSourceSchema, value, 'ingest source');
}

export function checkIngestRequest(value: unknown): Checked<IngestRequest> {
  const checked = checkInput(ingestRequestSchema, value, 'ingestDocuments input');
  return checked.ok
    ? checked
    : {
        ok: false,
        message:
          `${checked.message} Start ingests with \`memflow ingest\` or the client's startIngest, which stage the files, ` +
          "or name { corpus, paths } under a root in the worker's MEMFLOW_CORPUS_ROOTS.",
      };
}

export function checkIngestCarry(value: unknown): Checked<IngestCarry> {
  return checkInput(ingestCarrySchema, value, 'ingestDocuments carry-over state');
}

export function checkIngestBatchInput(value: unknown): Checked<IngestBatchInput> {
  return checkInput(ingestBatchInputSchema, value, 'ingestBatch input');
}

/** How many documents a source names. */
export function sourceSize(source: IngestSource): number {
  return 'staged' in source ? source.staged.length : source.paths.length;
}

/** The source URIs a source names, in order: what failures are reported under. */
export function sourceUris(source: IngestSource): string[] {
  return 'staged' in source ? source.staged.map((d) => d.sourceUri) : source.paths;
}

/** Documents `start` to `end` (exclusive) of a source, as a source of the same kind. */
export function sliceSource(source: IngestSource, start: number, end: number): IngestSource {
  return 'staged' in source
    ? { staged: source.staged.slice(start, end), stagedAt: source.stagedAt }
    : { corpus: source.corpus, paths: source.paths.slice(start, end) };
}

export const progressQuery = defineQuery<IngestProgress>('progress');
