import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createOpenAiChatModel, chatModelFromConfig } from '../../adapters/llm/openai-chat-model';
import type { ChatModel } from '../../adapters/llm/chat-model';
import { fakeToolCalls, echoRespond, startFakeOpenAi } from '../support/fake-openai';
import type { FakeOpenAiServer } from '../support/fake-openai';

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

describe('OpenAI chat model against the fake OpenAI server', () => {
  let server: FakeOpenAiServer;
  let llm: ChatModel;
  const ask = { messages: [{ role: 'user' as const, content: 'What is MVCC?' }] };

  before(async () => {
    server = await startFakeOpenAi();
    llm = createOpenAiChatModel({ baseURL: server.url, apiKey: 'test-key', model: 'fake-chat', timeoutMs: 500 });
  });
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.respond = echoRespond;
  });

  it('completes a chat and reports usage and model', async () => {
    server.respond = (req) => `You asked: ${String(req.messages.at(-1)?.content)}`;
    const reply = await llm.complete({ ...ask, maxTokens: 50, temperature: 0 });
    assert.equal(reply.text, 'You asked: What is MVCC?');
    assert.equal(reply.model, 'fake-chat');
    assert.equal(reply.json, undefined);
    assert.deepEqual(reply.usage, { promptTokens: 3, completionTokens: 5 }); // the fake counts words
    const [request] = server.requests;
    assert.equal(request?.path, '/v1/chat/completions');
    assert.equal(request?.headers.authorization, 'Bearer test-key');
    assert.deepEqual(request?.body, { model: 'fake-chat', messages: ask.messages, max_tokens: 50, temperature: 0 });
  });

  it('requests json_object and returns the parsed object', async () => {
    server.respond = () => ({ intent: 'search', queries: ['mvcc'] });
    const reply = await llm.complete({ ...ask, json: true });
    assert.deepEqual(reply.json, { intent: 'search', queries: ['mvcc'] });
    assert.deepEqual((server.requests[0]?.body as { response_format?: unknown }).response_format, {
      type: 'json_object',
    });
  });

  it('gives text "" for a tool-call reply (tool calls are not surfaced yet)', async () => {
    server.respond = () => fakeToolCalls([{ name: 'search', arguments: { q: 'mvcc' } }]);
    const reply = await llm.complete(ask);
    assert.equal(reply.text, '');
  });

  it('429 with retry-after → retryable LLM_RATE_LIMITED with nextRetryDelay from the header', async () => {
    server.inject({ status: 429, retryAfterSeconds: 7, times: 1 });
    const failure = await failureOf(llm.complete(ask));
    assert.equal(failure.type, 'LLM_RATE_LIMITED');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 7000);
    assert.equal(server.requests.length, 1, 'the SDK must not retry on its own');
  });

  it('503 with retry-after-ms → retryable LLM_UNAVAILABLE with that delay', async () => {
    server.inject({ status: 503, retryAfterMs: 1500 });
    const failure = await failureOf(llm.complete(ask));
    assert.equal(failure.type, 'LLM_UNAVAILABLE');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 1500);
  });

  it('500 → retryable LLM_UNAVAILABLE, and the next call succeeds', async () => {
    server.inject({ status: 500, times: 1 });
    const failure = await failureOf(llm.complete(ask));
    assert.equal(failure.type, 'LLM_UNAVAILABLE');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, undefined);
    assert.match(failure.message, /HTTP 500/);
    assert.equal((await llm.complete(ask)).text, 'echo: What is MVCC?');
  });

  it('a reply slower than the client timeout → retryable LLM_TIMEOUT', async () => {
    server.inject({ delayMs: 2000 });
    const started = Date.now();
    const failure = await failureOf(llm.complete(ask));
    assert.equal(failure.type, 'LLM_TIMEOUT');
    assert.equal(failure.nonRetryable, false);
    assert.ok(Date.now() - started < 1900, 'gave up at the client timeout');
  });

  it('400 → non-retryable LLM_BAD_REQUEST naming the status and message', async () => {
    server.inject({ status: 400, message: 'context_length_exceeded: too many tokens' });
    const failure = await failureOf(llm.complete(ask));
    assert.equal(failure.type, 'LLM_BAD_REQUEST');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /HTTP 400/);
    assert.match(failure.message, /too many tokens/);
  });

  it('401 → non-retryable, pointing at the API key', async () => {
    server.inject({ status: 401, message: 'invalid api key' });
    const failure = await failureOf(llm.complete(ask));
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /OPENAI_API_KEY/);
  });

  it('malformed JSON when JSON was requested → retryable LLM_MALFORMED_OUTPUT', async () => {
    server.inject({ malformedJson: true });
    const failure = await failureOf(llm.complete({ ...ask, json: true }));
    assert.equal(failure.type, 'LLM_MALFORMED_OUTPUT');
    assert.equal(failure.nonRetryable, false);
    assert.match(failure.message, /unterminated/);
  });

  it('valid JSON that is not an object → retryable LLM_MALFORMED_OUTPUT', async () => {
    server.respond = () => '["a list"]';
    const failure = await failureOf(llm.complete({ ...ask, json: true }));
    assert.equal(failure.type, 'LLM_MALFORMED_OUTPUT');
  });

  it('a server that is not listening → retryable LLM_UNAVAILABLE', async () => {
    const gone = await startFakeOpenAi();
    const url = gone.url;
    await gone.close();
    const orphan = createOpenAiChatModel({ baseURL: url, model: 'fake-chat', timeoutMs: 500 });
    const failure = await failureOf(orphan.complete(ask));
    assert.equal(failure.type, 'LLM_UNAVAILABLE');
    assert.equal(failure.nonRetryable, false);
  });

  it('an aborted request stays an abort, not a failure to retry', async () => {
    server.inject({ delayMs: 300 });
    const controller = new AbortController();
    const pending = llm.complete({ ...ask, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const err = await pending.then(
      () => assert.fail('expected an abort'),
      (e: unknown) => e,
    );
    assert.ok(!(err instanceof ApplicationFailure));
    assert.match(String(err), /abort/i);
  });
});

describe('chatModelFromConfig', () => {
  it('is undefined without an endpoint, so the extractive answerer is used', () => {
    assert.equal(
      chatModelFromConfig({ baseUrl: undefined, apiKey: undefined, model: 'm', timeoutMs: 1000 }),
      undefined,
    );
  });
  it('builds a model from the config', () => {
    const llm = chatModelFromConfig({ baseUrl: 'http://127.0.0.1:1/v1', apiKey: undefined, model: 'm', timeoutMs: 1 });
    assert.equal(llm?.model, 'm');
  });
});
