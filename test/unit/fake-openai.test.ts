import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { embedderFromConfig } from '../../adapters/embed/embedder-from-config';
import { fakeToolCalls, pseudoEmbedding, startFakeOpenAi } from '../support/fake-openai';
import type { FakeOpenAiServer } from '../support/fake-openai';

// The fake is only useful if the real client accepts what it sends.
describe('fake OpenAI server, through the real openai client', () => {
  let server: FakeOpenAiServer;
  let client: OpenAI;

  before(async () => {
    server = await startFakeOpenAi({ embeddingDim: 8, models: ['planner-model'] });
    client = new OpenAI({ baseURL: server.url, apiKey: 'k', maxRetries: 0, timeout: 1000 });
  });
  after(() => server.close());

  it('lists models', async () => {
    const page = await client.models.list();
    assert.deepEqual(
      page.data.map((m) => m.id),
      ['planner-model'],
    );
    const last = server.requests.at(-1);
    assert.deepEqual([last?.method, last?.path, last?.headers.authorization], ['GET', '/v1/models', 'Bearer k']);
  });

  it('returns scripted tool calls', async () => {
    server.respond = () => fakeToolCalls([{ name: 'search_docs', arguments: { query: 'wal' } }]);
    const reply = await client.chat.completions.create({
      model: 'planner-model',
      messages: [{ role: 'user', content: 'find wal docs' }],
    });
    const call = reply.choices[0]?.message.tool_calls?.[0];
    assert.equal(reply.choices[0]?.finish_reason, 'tool_calls');
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'search_docs');
    assert.deepEqual(JSON.parse(call.function.arguments), { query: 'wal' });
  });

  it('serves base64 embeddings (the client default) that decode to the same vectors', async () => {
    const reply = await client.embeddings.create({ model: 'e', input: ['one', 'two'] });
    assert.equal((server.requests.at(-1)?.body as { encoding_format?: string }).encoding_format, 'base64');
    const expected = pseudoEmbedding('two', 8);
    reply.data[1]?.embedding.forEach((v, i) => assert.ok(Math.abs(v - (expected[i] ?? NaN)) < 1e-6));
  });

  it('applies a fault only `times` times and only on its path', async () => {
    server.inject({ status: 500, times: 2, path: '/embeddings' });
    await client.models.list(); // not an embeddings call: unaffected
    for (let i = 0; i < 2; i++) {
      await assert.rejects(client.embeddings.create({ model: 'e', input: 'x' }), { status: 500 });
    }
    const ok = await client.embeddings.create({ model: 'e', input: 'x', encoding_format: 'float' });
    assert.equal(ok.data[0]?.embedding.length, 8);
  });

  it('rejects a chat request without messages with a 400', async () => {
    await assert.rejects(client.chat.completions.create({ model: 'm' } as never), { status: 400 });
  });

  it('backs embedderFromConfig for the openai provider', async () => {
    const embedder = await embedderFromConfig({
      embedding: { provider: 'openai', model: 'e', modelsDir: '/nonexistent', threads: undefined },
      llm: { baseUrl: server.url, apiKey: undefined, model: 'm', timeoutMs: 1000 },
    });
    assert.deepEqual(embedder.identity, { model: 'e', dim: 8, metric: 'COSINE' });
  });
});
