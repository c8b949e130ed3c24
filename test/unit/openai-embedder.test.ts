import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createOpenAiEmbedder } from '../../adapters/embed/openai-embedder';
import { pseudoEmbedding, startFakeOpenAi } from '../support/fake-openai';
import type { FakeOpenAiServer } from '../support/fake-openai';

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

describe('OpenAI embedder against the fake OpenAI server', () => {
  let server: FakeOpenAiServer;
  const endpoint = () => ({ baseURL: server.url, apiKey: 'k', model: 'fake-embed', timeoutMs: 500 });

  before(async () => {
    server = await startFakeOpenAi({ embeddingDim: 48 });
  });
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });

  it('discovers the dimension with one probe call and embeds in order', async () => {
    const embedder = await createOpenAiEmbedder(endpoint());
    assert.deepEqual(embedder.identity, { model: 'fake-embed', dim: 48, metric: 'COSINE' });
    assert.equal(server.requests.length, 1, 'one probe call');

    const vectors = await embedder.embed(['alpha', 'beta']);
    assert.equal(vectors.length, 2);
    assert.equal(vectors[0]?.length, 48);
    // Float32 on the wire (the fake sends numbers; the client parses them): compare loosely.
    for (const [i, text] of ['alpha', 'beta'].entries()) {
      const expected = pseudoEmbedding(text, 48);
      vectors[i]?.forEach((v, j) => assert.ok(Math.abs(v - (expected[j] ?? NaN)) < 1e-9));
    }
    const body = server.requests[1]?.body as { input: string[]; encoding_format: string; dimensions?: number };
    assert.deepEqual(body.input, ['alpha', 'beta']);
    assert.equal(body.encoding_format, 'float');
    assert.equal(body.dimensions, undefined);
  });

  it('uses a given dimension without probing and batches requests', async () => {
    const embedder = await createOpenAiEmbedder({ ...endpoint(), dim: 48, batchSize: 32 });
    assert.equal(server.requests.length, 0);
    const texts = Array.from({ length: 70 }, (_, i) => `text ${i}`);
    const vectors = await embedder.embed(texts);
    assert.equal(vectors.length, 70);
    assert.deepEqual(
      server.requests.map((r) => (r.body as { input: string[] }).input.length),
      [32, 32, 6],
    );
    assert.deepEqual(vectors[69], pseudoEmbedding('text 69', 48));
  });

  it('sends `dimensions` when asked to', async () => {
    const embedder = await createOpenAiEmbedder({ ...endpoint(), dim: 16, requestDimensions: true });
    const [vector] = await embedder.embed(['short']);
    assert.equal(vector?.length, 16);
    assert.equal((server.requests[0]?.body as { dimensions?: number }).dimensions, 16);
  });

  it('a vector of the wrong size → non-retryable EMBEDDING_MISMATCH', async () => {
    const embedder = await createOpenAiEmbedder({ ...endpoint(), dim: 384 });
    const failure = await failureOf(embedder.embed(['x']));
    assert.equal(failure.type, 'EMBEDDING_MISMATCH');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /48 dimensions, but 384/);
  });

  it('429 with retry-after → retryable with nextRetryDelay; 400 → non-retryable', async () => {
    const embedder = await createOpenAiEmbedder({ ...endpoint(), dim: 48 });
    server.inject({ status: 429, retryAfterSeconds: 2, path: '/embeddings' });
    const limited = await failureOf(embedder.embed(['x']));
    assert.equal(limited.type, 'LLM_RATE_LIMITED');
    assert.equal(limited.nextRetryDelay, 2000);

    server.inject({ status: 400, message: 'input too long' });
    const bad = await failureOf(embedder.embed(['x']));
    assert.equal(bad.type, 'LLM_BAD_REQUEST');
    assert.equal(bad.nonRetryable, true);
  });

  it('a timeout or a malformed body is retryable', async () => {
    const embedder = await createOpenAiEmbedder({ ...endpoint(), dim: 48, timeoutMs: 200 });
    server.inject({ delayMs: 1000 });
    assert.equal((await failureOf(embedder.embed(['x']))).type, 'LLM_TIMEOUT');
    server.inject({ malformedJson: true });
    const malformed = await failureOf(embedder.embed(['x']));
    assert.equal(malformed.nonRetryable, false);
    assert.equal(malformed.type, 'LLM_MALFORMED_OUTPUT');
  });

  it('estimates tokens conservatively without the remote tokenizer', async () => {
    const embedder = await createOpenAiEmbedder({ ...endpoint(), dim: 48 });
    assert.equal(embedder.countTokens('123456789'), 3);
  });
});
