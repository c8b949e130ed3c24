import type { Metric } from '../../contracts/embedding';
import { redactUrl, urlSecrets } from '../../config/redact';
import { classifyLlmError } from '../llm/classify-error';
import { failure } from '../../contracts/errors';
import { createOpenAiClient } from '../llm/openai-client';
import type { OpenAiEndpoint } from '../llm/openai-client';
import type { Embedder } from './embedder';

export interface OpenAiEmbedderOptions extends OpenAiEndpoint {
  model: string;
  /** Vector size; when omitted, one probe call discovers it. */
  dim?: number;
  /** Send `dimensions: dim` (text-embedding-3-* can shorten vectors; many servers reject the field). */
  requestDimensions?: boolean;
  metric?: Metric;
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
  // Messages built here are recorded in workflow history: the endpoint's credentials stay out.
  const operation = `embeddings (${options.model} at ${redactUrl(options.baseURL)})`;
  const secrets = [options.apiKey, ...urlSecrets(options.baseURL)];
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
      throw classifyLlmError(err, { operation, secrets });
    }
    const data = [...(response.data ?? [])].sort((a, b) => a.index - b.index);
    if (data.length !== texts.length) {
      throw failure('LLM_MALFORMED_OUTPUT', `${operation} returned ${data.length} vectors for ${texts.length} inputs`);
    }
    return data.map((d) => {
      if (dim !== undefined && d.embedding.length !== dim) {
        throw failure(
          'EMBEDDING_MISMATCH',
          `${operation} returned ${d.embedding.length} dimensions, but ${dim} are configured. ` +
            'Fix the embedding dimension or the model name; vectors of different sizes cannot share a collection.',
        );
      }
      return d.embedding;
    });
  }

  const dim = options.dim ?? (await request(['dimension probe'], undefined))[0]?.length;
  if (dim === undefined || dim === 0) {
    throw failure('EMBEDDING_MISMATCH', `${operation} returned an empty vector; cannot tell its dimension.`);
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
