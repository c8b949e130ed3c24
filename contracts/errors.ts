/**
 * Typed errors shared by the CLI, the client library and activities.
 *
 * Every error carries a stable `code` (for scripts and for Temporal's `ApplicationFailure.type`)
 * and a message that tells the user what to do next.
 */
export type MemflowErrorCode =
  | 'CONFIG_INVALID'
  | 'STACK_NOT_INSTALLED'
  | 'STACK_INSTALL_FAILED'
  | 'PORT_TAKEN'
  | 'SERVICE_UNHEALTHY'
  | 'POSTGRES_UNREACHABLE'
  | 'MIGRATION_CHANGED'
  | 'MIGRATION_FAILED'
  | 'EMBEDDING_MISMATCH'
  | 'MODEL_UNKNOWN'
  | 'MODEL_NOT_INSTALLED'
  | 'COLLECTION_NOT_FOUND'
  | 'COLLECTION_EXISTS'
  | 'VECTOR_STORE_ERROR'
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'TURN_FAILED'
  | 'EMBED_THREAD_EXITED'
  | 'WORKFLOW_BUNDLE_FAILED';

export class MemflowError extends Error {
  readonly code: MemflowErrorCode;
  /** Whether retrying the same call later may succeed (used to classify Temporal failures). */
  readonly retryable: boolean;

  constructor(code: MemflowErrorCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MemflowError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

export function isMemflowError(err: unknown, code?: MemflowErrorCode): err is MemflowError {
  return err instanceof MemflowError && (code === undefined || err.code === code);
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
