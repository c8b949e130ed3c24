import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { classifyLlmError, retryAfterMs } from '../../adapters/llm/classify-error';

const context = { operation: 'chat completion (m at http://x/v1)', now: () => Date.parse('2025-01-01T00:00:00Z') };
const httpError = (status: number, headers: Record<string, string> = {}) =>
  APIError.generate(status, { error: { message: `status ${status}` } }, undefined, new Headers(headers));
const classify = (err: unknown) => {
  const failure = classifyLlmError(err, context);
  assert.ok(failure instanceof ApplicationFailure);
  return failure;
};

describe('classifyLlmError', () => {
  it('maps statuses to retryable and non-retryable types', () => {
    const cases: Array<[number, string, boolean]> = [
      [408, 'LLM_TIMEOUT', false],
      [409, 'LLM_UNAVAILABLE', false],
      [429, 'LLM_RATE_LIMITED', false],
      [500, 'LLM_UNAVAILABLE', false],
      [502, 'LLM_UNAVAILABLE', false],
      [400, 'LLM_BAD_REQUEST', true],
      [404, 'LLM_BAD_REQUEST', true],
      [422, 'LLM_BAD_REQUEST', true],
    ];
    for (const [status, type, nonRetryable] of cases) {
      const failure = classify(httpError(status));
      assert.equal(failure.type, type, `HTTP ${status}`);
      assert.equal(failure.nonRetryable, nonRetryable, `HTTP ${status}`);
      assert.match(failure.message, new RegExp(`HTTP ${status}`));
    }
  });

  it('honours x-should-retry: true on a 4xx', () => {
    assert.equal(classify(httpError(400, { 'x-should-retry': 'true' })).nonRetryable, false);
  });

  it('reads retry-after as seconds, as an HTTP date, and prefers retry-after-ms', () => {
    assert.equal(classify(httpError(429, { 'retry-after': '1.5' })).nextRetryDelay, 1500);
    assert.equal(classify(httpError(503, { 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' })).nextRetryDelay, 30_000);
    assert.equal(classify(httpError(429, { 'retry-after': '9', 'retry-after-ms': '250' })).nextRetryDelay, 250);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'soon' })), undefined);
    assert.equal(retryAfterMs(undefined), undefined);
  });

  it('connection errors are retryable; aborts and ApplicationFailures pass through', () => {
    const conn = classify(new APIConnectionError({ message: 'Connection error.', cause: new Error('ECONNREFUSED') }));
    assert.equal(conn.type, 'LLM_UNAVAILABLE');
    assert.match(conn.message, /ECONNREFUSED/);
    const abort = new APIUserAbortError();
    assert.equal(classifyLlmError(abort, context), abort);
    const already = ApplicationFailure.nonRetryable('x', 'Other');
    assert.equal(classifyLlmError(already, context), already);
  });

  it('an unparseable body is retryable LLM_MALFORMED_OUTPUT', () => {
    assert.equal(classify(new SyntaxError('Unexpected end of JSON input')).type, 'LLM_MALFORMED_OUTPUT');
  });
});
