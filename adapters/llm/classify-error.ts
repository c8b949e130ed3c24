import { ApplicationFailure } from '@temporalio/common';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { redactError, redactSecrets } from '../../config/redact';
import type { ErrorCode } from '../../contracts/errors';
import { failure } from '../../contracts/errors';

/** The codes of failed calls to an OpenAI-compatible endpoint (chat or embeddings). */
export type LlmErrorCode = Extract<ErrorCode, `LLM_${string}`>;

export interface ClassifyContext {
  /**
   * What was being called, for the message: e.g. `chat completion (gpt-4o-mini at http://…/v1)`,
   * with its URL already redacted (`redactUrl`).
   */
  operation: string;
  /**
   * The endpoint's credentials (API key, URL password), redacted from the failure's message and
   * cause: Temporal records both in history, and fetch and servers quote credentials back.
   */
  secrets?: readonly (string | undefined)[];
  /** For HTTP-date `retry-after` values; injectable for tests. */
  now?: () => number;
}

/**
 * Maps an error from the `openai` client to a Temporal failure, so Temporal (not the SDK, which runs
 * with `maxRetries: 0`) decides on retries:
 * - 429 → retryable `LLM_RATE_LIMITED`; 408 and client timeouts → retryable `LLM_TIMEOUT`;
 *   409, 5xx and connection errors → retryable `LLM_UNAVAILABLE`. A `retry-after-ms` / `retry-after`
 *   header becomes `nextRetryDelay`.
 * - other 4xx → non-retryable `LLM_BAD_REQUEST`: the same request would fail again.
 * - a cancelled request (the activity was cancelled) is returned unchanged so cancellation propagates.
 * - a response body that does not parse → retryable `LLM_MALFORMED_OUTPUT`.
 * Errors that are already `ApplicationFailure`s pass through; anything else is retryable `LLM_UNAVAILABLE`.
 * The failure's message and its cause (a copy of `err`) are redacted with `context.secrets`.
 */
export function classifyLlmError(err: unknown, context: ClassifyContext): Error {
  if (err instanceof ApplicationFailure || err instanceof APIUserAbortError) return err;
  const secrets = context.secrets ?? [];
  const cause = redactError(err, secrets);
  const where = context.operation;
  const retryable = (code: LlmErrorCode, message: string, nextRetryDelayMs?: number): ApplicationFailure =>
    failure(code, redactSecrets(message, secrets), { cause, nextRetryDelayMs });

  if (err instanceof APIConnectionTimeoutError) {
    return retryable('LLM_TIMEOUT', `${where} timed out: ${err.message}`);
  }
  if (err instanceof APIConnectionError) {
    return retryable('LLM_UNAVAILABLE', `${where} could not connect: ${connectionMessage(err)}`);
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    const delay = retryAfterMs(err.headers, context.now ?? Date.now);
    const detail = `${where} failed with HTTP ${status}: ${err.message}`;
    if (status === 429) return retryable('LLM_RATE_LIMITED', detail, delay);
    if (status === 408) return retryable('LLM_TIMEOUT', detail, delay);
    if (status === 409 || status >= 500 || err.headers?.get('x-should-retry') === 'true') {
      return retryable('LLM_UNAVAILABLE', detail, delay);
    }
    const hint =
      status === 401 || status === 403
        ? ' Check OPENAI_API_KEY.'
        : status === 404
          ? ' Check OPENAI_BASE_URL and the model name.'
          : '';
    return failure('LLM_BAD_REQUEST', redactSecrets(`${detail}.${hint}`, secrets), { cause, details: [{ status }] });
  }
  if (err instanceof SyntaxError) {
    // The client could not parse the response body: a truncated or garbled reply.
    return retryable('LLM_MALFORMED_OUTPUT', `${where} returned a body that is not valid JSON: ${err.message}`);
  }
  return retryable('LLM_UNAVAILABLE', `${where} failed: ${cause.message}`);
}

/** The server's requested wait in ms, from `retry-after-ms` or `retry-after` (seconds or HTTP date). */
export function retryAfterMs(headers: Headers | undefined, now: () => number = Date.now): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = headers?.get('retry-after');
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

function connectionMessage(err: APIConnectionError): string {
  const cause = err.cause instanceof Error ? (err.cause.cause ?? err.cause) : undefined;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}
