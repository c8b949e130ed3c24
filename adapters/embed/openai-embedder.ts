import { ApplicationFailure } from '@temporalio/common';
import type { VectorMetric } from './embedding-models';
import { classifyLlmError } from '../llm/classify-error';
import type { LlmFailureType } from '../llm/classify-error';
import { createOpenAiClient } from '../llm/openai-client';
import type { OpenAiEndpoint } from '../llm/openai-client';
import type { Embedder } from './embedder';

export interface OpenAiEmbedderOptions extends OpenAiEndpoint {
  model: string;
  /** Vector size; when omitted, one probe call discovers it. */
  dim?: number;
  /** Send `dimensions: dim` (text-embedding-3-* can shorten vectors; many servers reject the field). */
  requestDimensions?: boolean;
  metric?: VectorMetric;
  /** Inputs per request. */
  batchSize?: number;
  /**
   * Token counter for chunk sizing. The endpoint's tokenizer is not available locally, so the
   * default over-estimates (one token per 3 characters) to keep chunks under the model's limit.
   */
  countTokens?: (text: string) => number;
}

/**
 * An `Embedder` over the embeddings API of any OpenAI-compatible server. Failures are thrown as
 * classified `ApplicationFailure`s; a vector of the wrong size is a non-retryable `EMBEDDING_MISMATCH`.
 */
export async function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Promise<Embedder> {
  const client = createOpenAiClient(options);
  const operation = `embeddings (${options.model} at ${options.baseURL})`;
  const batchSize = options.batchSize ?? 96;

  async function request(texts: string[], dim: number | undefined): Promise<number[][]> {
    let response;
    try {
      response = await client.embeddings.create({
        model: options.model,
        input: texts,
        encoding_format: 'float',
        ...(options.requestDimensions && dim !== undefined ? { dimensions: dim } : {}),
      });
    } catch (err) {
      throw classifyLlmError(err, { operation });
    }
    const data = [...(response.data ?? [])].sort((a, b) => a.index - b.index);
    if (data.length !== texts.length) {
      throw ApplicationFailure.create({
        type: 'LlmMalformedOutput' satisfies LlmFailureType,
        message: `${operation} returned ${data.length} vectors for ${texts.length} inputs`,
        nonRetryable: false,
      });
    }
    return data.map((d) => {
      if (dim !== undefined && d.embedding.length !== dim) {
        throw ApplicationFailure.create({
          type: 'EMBEDDING_MISMATCH',
          message:
            `${operation} returned ${d.embedding.length} dimensions, but ${dim} are configured. ` +
            'Fix the embedding dimension or the model name; vectors of different sizes cannot share a collection.',
          nonRetryable: true,
        });
      }
      return d.embedding;
    });
  }

  const dim = options.dim ?? (await request(['dimension probe'], undefined))[0]?.length;
  if (dim === undefined || dim === 0) {
    throw ApplicationFailure.create({
      type: 'EMBEDDING_MISMATCH',
      message: `${operation} returned an empty vector; cannot tell its dimension.`,
      nonRetryable: true,
    });
  }

  return {
    identity: { model: options.model, dim, metric: options.metric ?? 'COSINE' },
    async embed(texts) {
      const vectors: number[][] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        vectors.push(...(await request(texts.slice(i, i + batchSize), dim)));
      }
      return vectors;
    },
    countTokens: options.countTokens ?? ((text) => Math.ceil(text.length / 3)),
  };
}
