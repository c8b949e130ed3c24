import { ApplicationFailure } from '@temporalio/common';

/**
 * memflow's one error model. Every error memflow raises carries a code from this table: activities
 * throw it (as `ApplicationFailure.type`, with `nonRetryable` from the table), workflows and the
 * client read the failure's type, and the CLI prints it. Callers in other languages see the same
 * codes (README.md, Errors). `retryable` says whether the same call may succeed later.
 */
export const ERROR_CODES = {
  // Configuration and the local stack
  CONFIG_INVALID: { retryable: false },
  STACK_NOT_INSTALLED: { retryable: false },
  STACK_INSTALL_FAILED: { retryable: false },
  PORT_TAKEN: { retryable: false },
  SERVICE_UNHEALTHY: { retryable: true },
  WORKFLOW_BUNDLE_FAILED: { retryable: false },
  // Payload encryption (adapters/temporal/payload-codec.ts)
  /** A payload was encrypted with a key id this process does not hold: add the key to MEMFLOW_CODEC_KEYS. */
  CODEC_KEY_UNKNOWN: { retryable: false },
  /** An encrypted payload failed authentication or is malformed: it was altered, or the key's bytes differ. */
  CODEC_PAYLOAD_INVALID: { retryable: false },
  // PostgreSQL
  POSTGRES_UNREACHABLE: { retryable: true },
  MIGRATION_CHANGED: { retryable: false },
  MIGRATION_FAILED: { retryable: false },
  // Embedding models
  MODEL_UNKNOWN: { retryable: false },
  MODEL_NOT_INSTALLED: { retryable: false },
  EMBEDDING_MISMATCH: { retryable: false },
  EMBED_THREAD_EXITED: { retryable: true },
  // Milvus
  COLLECTION_NOT_FOUND: { retryable: false },
  COLLECTION_EXISTS: { retryable: false },
  /** The collection behind the live alias is gone or not loaded yet (a restart, a cutover): try again. */
  INDEX_UNAVAILABLE: { retryable: true },
  /** A transport failure, a busy or restarting server, a partial write. */
  VECTOR_STORE_UNAVAILABLE: { retryable: true },
  /** The server refused the request itself; the same request fails again. */
  VECTOR_STORE_ERROR: { retryable: false },
  /** A store answered a query for one tenant with another tenant's row: the answer is refused. */
  TENANT_ISOLATION: { retryable: false },
  // Language models (OpenAI-compatible endpoints)
  LLM_RATE_LIMITED: { retryable: true },
  LLM_UNAVAILABLE: { retryable: true },
  LLM_TIMEOUT: { retryable: true },
  LLM_MALFORMED_OUTPUT: { retryable: true },
  LLM_BAD_REQUEST: { retryable: false },
  /** The planner's reply did not match the plan schema; a model often does better on the next attempt. */
  INVALID_PLAN: { retryable: true },
  // Requests
  /** A command line that does not parse: the CLI shows the usage and exits 2. */
  USAGE: { retryable: false },
  INVALID_INPUT: { retryable: false },
  NOT_FOUND: { retryable: false },
  /** A concurrent change got in the way (a row changed between two statements); the same call may pass. */
  CONFLICT: { retryable: true },
  /** A chat turn failed after its steps' retries; the session is still usable, and the caller may resend. */
  TURN_FAILED: { retryable: true },
  // Re-embedding
  NO_LIVE_INDEX: { retryable: false },
  /** A step refused to drop or rewrite the collection that serves searches. */
  COLLECTION_IS_LIVE: { retryable: false },
  VALIDATION_FAILED: { retryable: false },
  REINDEX_FAILED: { retryable: false },
  /** Chaos drills and tests: a saga started with `failAt` failed that step on purpose. */
  INJECTED_FAULT: { retryable: false },
  /** The same, for steps that are retried until they succeed: it fails their first attempts only. */
  INJECTED_TRANSIENT_FAULT: { retryable: true },
} as const satisfies Record<string, { retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

export function isRetryable(code: ErrorCode): boolean {
  return ERROR_CODES[code].retryable;
}

/** A typed error: a stable `code` from {@link ERROR_CODES} and a message that tells the user what to do next. */
export class MemflowError extends Error {
  readonly code: ErrorCode;
  /** From the table: whether retrying the same call later may succeed. */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MemflowError';
    this.code = code;
    this.retryable = isRetryable(code);
  }
}

export function isMemflowError(err: unknown, code?: ErrorCode): err is MemflowError {
  return err instanceof MemflowError && (code === undefined || err.code === code);
}

/**
 * The Temporal failure for a code: `type` is the code, `nonRetryable` comes from the table. The
 * one way activities and workflows raise a typed failure.
 */
export function failure(
  code: ErrorCode,
  message: string,
  options: { cause?: unknown; nextRetryDelayMs?: number; details?: unknown[] } = {},
): ApplicationFailure {
  return ApplicationFailure.create({
    type: code,
    message,
    nonRetryable: !isRetryable(code),
    ...(options.cause instanceof Error ? { cause: options.cause } : {}),
    ...(options.details ? { details: options.details } : {}),
    ...(options.nextRetryDelayMs === undefined ? {} : { nextRetryDelay: options.nextRetryDelayMs }),
  });
}

/** A MemflowError as a Temporal failure; anything else unchanged (a plain error stays retryable). */
export function toFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof MemflowError) return failure(err.code, err.message, { cause: err });
  return err;
}

/** The innermost cause of an error (Temporal wraps an activity's failure in ActivityFailure, …). */
export function rootCause(err: unknown): unknown {
  let e = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e;
}

/** The first error on the cause chain that carries a memflow code (a MemflowError, or a failure typed with one). */
export function typedFailure(err: unknown): { code: ErrorCode; message: string } | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof MemflowError) return { code: e.code, message: e.message };
    if (e instanceof ApplicationFailure && isErrorCode(e.type)) return { code: e.type, message: e.message };
  }
  return undefined;
}

/** A readable message for anything thrown, including the plain objects some gRPC clients reject with. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null) {
    const { message, reason, details, code } = err as Record<string, unknown>;
    const text = [message, reason, details].find((v) => typeof v === 'string' && v.length > 0);
    if (text) return code !== undefined ? `${String(text)} (code ${String(code)})` : String(text);
    try {
      return JSON.stringify(err);
    } catch {
      return Object.prototype.toString.call(err);
    }
  }
  return String(err);
}

/** The innermost cause's message: what a workflow records when a step fails for good. */
export function rootMessage(err: unknown): string {
  return errorMessage(rootCause(err));
}
